package org.kdrestore.data;

import java.nio.file.Path;

/**
 * One training pair of a prepared dataset: the sharp and degraded 960x540 quadrant
 * {@code quadrant} (tl, tr, bl or br) of photo {@code photo}; {@code id} is {@code photo_quadrant}.
 */
public record Sample(String id, String photo, String quadrant, Path sharp, Path degraded) {}
