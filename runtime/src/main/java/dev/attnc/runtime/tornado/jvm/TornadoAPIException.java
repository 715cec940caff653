package dev.attnc.runtime.tornado.jvm;

/** As TornadoVM's unchecked {@code exceptions.TornadoAPIException}. */
public class TornadoAPIException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TornadoAPIException(final String msg, Exception e) {
        super(msg, e);
    }

    public TornadoAPIException(final String msg) {
        super(msg);
    }
}
