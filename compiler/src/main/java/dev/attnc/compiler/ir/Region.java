package dev.attnc.compiler.ir;

/**
 * A repeat or a block call that nodes sit in. Nodes carry the regions enclosing them,
 * outermost first; a repeat region's nodes are the body of a {@link Loop}.
 */
public record Region(Kind kind, int id, String label) {

    public enum Kind { REPEAT, BLOCK }
}
