package org.kdrestore.common;

/**
 * A problem with what the user gave us (a file, a key, a value). The CLI prints its message
 * alone, without a stack trace, and exits with status 2. The message must name the file, key
 * or value at fault.
 */
public class UserInputException extends RuntimeException {
    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
