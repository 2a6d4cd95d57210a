package org.kdrestore.cli;

import ai.djl.engine.Engine;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kdrestore.common.Engines;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print versions, the DJL engine and the device that computations will use.")
public final class InfoCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;

    public static String version() {
        String v = InfoCommand.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    @Override
    public Integer call() {
        Engine e = Engines.engine();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("kd_restore", version());
        info.put("java", System.getProperty("java.version"));
        info.put("djl", Engine.getDjlVersion());
        info.put("engine", e.getEngineName() + " " + e.getVersion());
        info.put("device", Engines.device().toString());
        info.put("gpus_visible", e.getGpuCount());
        info.put("offline", System.getProperty("ai.djl.offline"));
        info.put("malloc", org.kdrestore.common.NativeAllocator.describe());
        StringBuilder sb = new StringBuilder();
        info.forEach((k, v) -> sb.append(String.format("%-13s %s%n", k, v)));
        out.print(info, sb.toString().stripTrailing());
        return 0;
    }

    public static final class VersionProvider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kd-restore " + version()};
        }
    }
}
