package org.kdrestore.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/**
 * NDScope bookkeeping. An array is registered only in the innermost scope open when it was made;
 * a block that returns a result from its own scope must unregister it there and register it in the
 * caller's scope, or nothing would free it before its manager closes (a leak per block call).
 */
public final class Scopes {
    private Scopes() {}

    /** Call after the block's own scope has closed: the caller's scope (if any) now owns {@code a}. */
    public static NDArray handOver(NDArray a) {
        NDScope.register(a);
        return a;
    }

    /**
     * Runs {@code block} on {@code x} and frees {@code x}, which nothing else needs: full-size
     * intermediates then do not wait for the enclosing scope to close. Safe under autograd (the
     * graph keeps its own references).
     */
    static NDArray consume(UnaryBlock block, NDArray x) {
        NDArray y = block.apply(x);
        x.close();
        return y;
    }
}
