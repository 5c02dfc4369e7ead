/*
 * ci/JarCheck.java - the library jar is a well-formed multi-release jar:
 * run by `./mvnw verify` (exec-maven-plugin) on the jar just packaged.
 *
 *   java ci/JarCheck.java target/weft-VERSION.jar EXPECT_FFM
 *
 * Checks: the manifest says Multi-Release: true; every class at the jar's
 * root is release 21 (class file 65) or older; the FFM classes are only
 * under META-INF/versions/22 and are release 22 (66) there, and present
 * when EXPECT_FFM is true (a JDK 22+ built the jar); module-info sits in
 * a versioned section, as the pom puts it.  Exits 1 naming each problem.
 */
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

public class JarCheck {
    public static void main(String[] args) throws IOException {
        List<String> problems = new ArrayList<>();
        boolean expectFfm = args.length > 1 && Boolean.parseBoolean(args[1]);
        int v22 = 0, ffm = 0;
        try (JarFile jar = new JarFile(args[0])) {
            String mr = jar.getManifest() == null ? null : jar.getManifest().getMainAttributes().getValue("Multi-Release");
            if (!"true".equalsIgnoreCase(mr)) {
                problems.add("manifest: Multi-Release is " + mr + ", not true");
            }
            for (JarEntry e : java.util.Collections.list(jar.entries())) {
                String n = e.getName();
                if (!n.endsWith(".class")) {
                    continue;
                }
                int major;
                try (InputStream in = jar.getInputStream(e); DataInputStream d = new DataInputStream(in)) {
                    d.readInt(); // magic
                    d.readUnsignedShort(); // minor
                    major = d.readUnsignedShort();
                }
                boolean isFfm = n.contains("/Ffm");
                if (n.startsWith("META-INF/versions/22/")) {
                    v22++;
                    if (major != 66) {
                        problems.add(n + ": class file " + major + ", not 66 (release 22)");
                    }
                    ffm += isFfm ? 1 : 0;
                } else if (n.startsWith("META-INF/versions/")) {
                    if (!n.endsWith("module-info.class")) {
                        problems.add(n + ": unexpected versioned class");
                    }
                } else {
                    if (major > 65) {
                        problems.add(n + ": class file " + major + " at the root, above 65 (release 21)");
                    }
                    if (isFfm) {
                        problems.add(n + ": an FFM class at the root (it belongs in META-INF/versions/22)");
                    }
                    if (n.equals("module-info.class")) {
                        problems.add("module-info.class at the root");
                    }
                }
            }
        }
        if (expectFfm && ffm < 2) {
            problems.add("META-INF/versions/22 holds " + ffm + " FFM classes, expected FfmLockWord and FfmChanSeat");
        }
        if (!expectFfm && v22 > 0) {
            problems.add("META-INF/versions/22 holds classes although the build JDK cannot compile release 22");
        }
        for (String p : problems) {
            System.err.println("JarCheck: " + args[0] + ": " + p);
        }
        if (!problems.isEmpty()) {
            System.exit(1);
        }
        // silent when all is well: ./mvnw -q stays quiet
    }
}
