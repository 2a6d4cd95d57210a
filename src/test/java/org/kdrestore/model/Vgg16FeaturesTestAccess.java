package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import org.kdrestore.metric.Fixtures;

/** Lets tests in other packages build the fixture's VGG16 state dict. */
public final class Vgg16FeaturesTestAccess {
    private Vgg16FeaturesTestAccess() {}

    public static Map<String, NDArray> stateDict(Fixtures fx) {
        return Vgg16FeaturesTest.stateDict(fx);
    }
}
