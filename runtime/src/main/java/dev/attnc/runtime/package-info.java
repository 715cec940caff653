/**
 * The attnc runtime: what generated model classes call at run time.
 *
 * <p>It holds no compiler code, so a team shipping a generated model depends on this module
 * alone.
 */
package dev.attnc.runtime;
