package org.kdrestore.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.common.Engines;
import org.kdrestore.model.Vgg16Features;
import org.kdrestore.weights.Weights;
import org.kdrestore.model.Vgg16Features.Layer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "vgg", mixinStandardHelpOptions = true, description = "torchvision VGG16 feature tools.",
        subcommands = VggCommand.Features.class)
public final class VggCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "features", mixinStandardHelpOptions = true,
            description = "Write the VGG16 activations at one layer for an input array, as float32 .npy.")
    public static final class Features implements Callable<Integer> {
        @Mixin
        JsonOption out;

        @Option(names = "--weights", required = true, description = "torchvision vgg16 state dict (.npz or .safetensors).")
        Path weights;

        @Option(names = "--layer", required = true, description = "relu1_2, relu2_2, relu3_3 or relu4_3.")
        String layer;

        @Option(names = "--input", required = true, description = "(3,H,W) or (N,3,H,W) float32 RGB in [0,1] (.npy, .png, .jpg).")
        Path input;

        @Option(names = "--output", required = true, description = "Output .npy (same leading layout as the input).")
        Path output;

        @Option(names = "--no-imagenet-norm", description = "Skip ImageNet normalisation.")
        boolean noImagenetNorm;

        @Override
        public Integer call() throws IOException {
            Layer l = Layer.parse(layer);
            try (NDManager m = Engines.newManager()) {
                NDArray x = ArrayFiles.readImage(m, input);
                boolean single = x.getShape().dimension() == 3;
                Vgg16Features vgg = Vgg16Features.load(m, Weights.read(weights, m).tensors(), l, weights.toString());
                NDArray f = vgg.features(single ? x.expandDims(0) : x, l, !noImagenetNorm);
                if (single) {
                    f = f.squeeze(0);
                }
                ArrayFiles.writeNpy(output, f);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("output", output.toString());
                r.put("layer", l.id());
                r.put("shape", f.getShape().getShape());
                r.put("imagenet_norm", !noImagenetNorm);
                out.print(r, "wrote " + output + " " + f.getShape() + " (" + l.id() + ", ImageNet norm "
                        + (noImagenetNorm ? "off" : "on") + ")");
            }
            return 0;
        }
    }
}
