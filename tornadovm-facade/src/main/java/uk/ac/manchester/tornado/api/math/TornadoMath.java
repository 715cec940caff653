/*
 * Compile-only facade of the TornadoVM API (tornado-api 5.2.0-jdk21, Apache-2.0): the published
 * signatures only, written for attnc; every body throws. See tornadovm-facade/README.md.
 */
package uk.ac.manchester.tornado.api.math;

/**
 * The scalar members of TornadoVM's {@code TornadoMath} (the vector-type, half-float, array
 * comparison and matrix members are left out). There is no erf and no rsqrt.
 */
public class TornadoMath {

    public static float min(float a, float b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double min(double a, double b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static long min(long a, long b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static int min(int a, int b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static short min(short a, short b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static byte min(byte a, byte b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double max(double a, double b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float max(float a, float b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static long max(long a, long b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static int max(int a, int b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static short max(short a, short b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static byte max(byte a, byte b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float abs(float a) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double abs(double a) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static long abs(long a) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static int abs(int a) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static short abs(short a) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static byte abs(byte a) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float exp(float value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double exp(double value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float sqrt(float value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double sqrt(double value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static long clamp(long val, long min, long max) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static int clamp(int val, int min, int max) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static short clamp(short val, short min, short max) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static byte clamp(byte val, byte min, byte max) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float clamp(float val, float min, float max) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double clamp(double val, double min, double max) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float floor(float f) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double floor(double f) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float fract(float f) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double fract(double f) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float log(float value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double log(double value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float log2(float value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double log2(double value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float atan(float value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double atan(double value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float tan(float value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double tan(double value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float tanh(float value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double tanh(double value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float floatPI() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double PI() {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float pow(float a, float b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double pow(double a, double b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float atan2(float a, float b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double atan2(double a, double b) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float acos(float a) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float acosh(float x) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double acosh(double x) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double acos(double a) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float asin(float a) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double asin(double a) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float asinh(float x) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double asinh(double x) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float cos(float angle) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double cos(double angle) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float sin(float angle) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double sin(double angle) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float signum(float a) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double signum(double a) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float toRadians(float angdeg) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double toRadians(double angdeg) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float sinpi(float angle) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double sinpi(double angle) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float cospi(float angle) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double cospi(double angle) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static float ceil(float value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }

    public static double ceil(double value) {
        throw new UnsupportedOperationException("compile-only facade of the TornadoVM API");
    }
}
