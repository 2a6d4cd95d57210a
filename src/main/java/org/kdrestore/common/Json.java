package org.kdrestore.common;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;

/** One configured Jackson mapper for JSON and one for YAML, shared by the whole library. */
public final class Json {
    private Json() {}

    // No module discovery: Spark's classpath carries jackson-module-scala, which would turn every
    // JSON list into a Scala List. The library reads and writes plain Java records, lists and maps.
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    public static final ObjectMapper YAML = YAMLMapper.builder().build();

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** Writes pretty JSON atomically (temp file, then rename). */
    public static void writeFile(Path path, Object value) throws IOException {
        AtomicFiles.writeString(path, write(value) + "\n");
    }
}
