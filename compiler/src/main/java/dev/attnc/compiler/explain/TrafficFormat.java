package dev.attnc.compiler.explain;

import dev.attnc.runtime.tornado.jvm.MemoryTraffic;
import dev.attnc.runtime.tornado.jvm.MemoryTraffic.Access;
import dev.attnc.runtime.tornado.jvm.MemoryTraffic.Kernel;
import dev.attnc.runtime.tornado.jvm.MemoryTraffic.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A {@link MemoryTraffic.Report} as one table: a line per kernel, a total, and what the columns mean. */
public final class TrafficFormat {

    private static final String[] HEADERS = {"kernel", "global read", "global write", "minimum", "x min", "local r+w",
        "loads used", "stores used", "hottest loads: site share-of-load-bytes lines-used"};
    private static final boolean[] RIGHT = {false, true, true, true, true, true, true, true, false};
    /** Sites listed per kernel in the last column. */
    private static final int HOTTEST = 2;

    private TrafficFormat() {
    }

    /**
     * @param title the first line (model, sizes, how it was run)
     */
    public static String table(String title, MemoryTraffic.Report report) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADERS);
        long read = 0;
        long write = 0;
        long minimum = 0;
        long local = 0;
        boolean approximate = false;
        for (Kernel kernel : report.kernels()) {
            read += kernel.globalRead();
            write += kernel.globalWrite();
            minimum += kernel.minimumBytes();
            local += kernel.localRead() + kernel.localWrite();
            List<Site> loads = kernel.sites().stream().filter(site -> site.access() == Access.GLOBAL_READ).toList();
            StringBuilder hottest = new StringBuilder();
            for (int i = 0; i < Math.min(HOTTEST, loads.size()); i++) {
                Site site = loads.get(i);
                approximate |= site.approximate();
                hottest.append(i == 0 ? "" : ", ").append(shortSite(site.where())).append(' ')
                        .append(percent((double) site.bytes() / kernel.globalRead())).append(' ')
                        .append(site.approximate() ? "~" : "").append(percent(site.coalescing()));
            }
            String name = kernel.name().substring(kernel.name().indexOf('.') + 1)
                    + (kernel.launches() > 1 ? " x" + kernel.launches() : "");
            rows.add(new String[] {name, bytes(kernel.globalRead()), bytes(kernel.globalWrite()), bytes(kernel.minimumBytes()),
                ratio(kernel.ratioToMinimum()), kernel.localRead() + kernel.localWrite() == 0 ? "-"
                        : bytes(kernel.localRead() + kernel.localWrite()),
                percent(kernel.coalescing(Access.GLOBAL_READ)), percent(kernel.coalescing(Access.GLOBAL_WRITE)),
                hottest.toString()});
        }
        String[] total = {"total", bytes(read), bytes(write), bytes(minimum),
            ratio(minimum == 0 ? Double.NaN : (double) (read + write) / minimum), local == 0 ? "-" : bytes(local),
            percent(coalescing(report, Access.GLOBAL_READ)), percent(coalescing(report, Access.GLOBAL_WRITE)), ""};
        rows.add(total);
        int[] widths = new int[HEADERS.length];
        for (String[] row : rows) {
            for (int column = 0; column < row.length; column++) {
                widths[column] = Math.max(widths[column], row[column].length());
            }
        }
        StringBuilder out = new StringBuilder(title).append("\n\n");
        for (String[] row : rows) {
            out.append(line(row, widths)).append('\n');
        }
        out.append('\n');
        out.append("global: bytes read and written by each kernel's work-items in global arrays (an element's size per access:"
                + " 4 for FloatArray and IntArray, 2 for HalfFloatArray's FP16 weights);"
                + " minimum: the distinct bytes it reads (inputs, each once) and writes (outputs, each once);"
                + " x min: global / minimum.\n");
        out.append("local: bytes to and from work-group local arrays. loads/stores used: bytes the lanes of each warp"
                + " (32 work-items) asked for, over the 128-byte lines they touched (100% = coalesced; 3% = a line per lane).\n");
        if (report.warpSampling() > 1) {
            out.append("coalescing measured on about 1 warp in ").append(report.warpSampling())
                    .append("; byte counts cover every access.\n");
        }
        if (approximate) {
            out.append("~: some lanes' lines could not be told new or repeated (counted as new): a lower bound.\n");
        }
        return out.toString();
    }

    private static double coalescing(MemoryTraffic.Report report, Access access) {
        long used = 0;
        long lines = 0;
        for (Kernel kernel : report.kernels()) {
            for (Site site : kernel.sites()) {
                if (site.access() == access) {
                    used += site.sampledBytes();
                    lines += site.lines();
                }
            }
        }
        return lines == 0 ? Double.NaN : used / (lines * 128.0);
    }

    /** {@code Class.method:line#k} without the class. */
    private static String shortSite(String where) {
        return where.substring(where.indexOf('.') + 1);
    }

    private static String line(String[] row, int[] widths) {
        StringBuilder text = new StringBuilder();
        for (int column = 0; column < row.length; column++) {
            String cell = row[column];
            String pad = " ".repeat(widths[column] - cell.length());
            text.append(column == 0 ? "" : "  ").append(RIGHT[column] ? pad + cell : cell + (column == row.length - 1 ? "" : pad));
        }
        return text.toString().stripTrailing();
    }

    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.2f %s" : value < 100 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    }

    private static String ratio(double ratio) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2f", ratio);
    }

    private static String percent(double share) {
        if (Double.isNaN(share)) {
            return "-";
        }
        return String.format(Locale.ROOT, share < 0.1 ? "%.1f%%" : "%.0f%%", 100 * share);
    }
}
