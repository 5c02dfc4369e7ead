package dev.weft.doc;

import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import org.testng.SkipException;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * The runnable Java blocks of the docs compile and run (tests/doc/README.md
 * has the convention): each block of docs/guide-java.md and README.md whose
 * fence reads {@code ```java runnable} is compiled with the JDK's compiler
 * against the test class path, its {@code main} is run with a timeout, and
 * its standard output is compared with the {@code ```output} block right
 * after it, if there is one. A failure names the Markdown file and line.
 *
 * <p>The block that starts a C coroutine from examples/c/squares.c (it
 * reads the system property {@code weft.example.squares}) gets the library
 * CMake built under target/native/build, and is skipped where there is none.
 */
public class DocSnippetsTest {
    /** The documents whose runnable Java blocks are tested, relative to the repository. */
    private static final String[] DOCS = {"docs/guide-java.md", "README.md"};
    /** The guide's blocks at least: a marker typo must not make the test pass by testing nothing. */
    private static final int GUIDE_MIN_SNIPPETS = 10;
    private static final long TIMEOUT_SECONDS = 60;
    private static final String SQUARES_PROPERTY = "weft.example.squares";

    private static final Pattern FENCE = Pattern.compile("^( {0,3})(`{3,}|~{3,})[ \\t]*([^`\\s]*)[ \\t]*(.*)$");
    private static final Pattern PUBLIC_CLASS = Pattern.compile("(?m)^public\\s+(?:final\\s+|abstract\\s+)*(?:class|record|enum|interface)\\s+(\\w+)");

    /** One runnable block: where it is, its code, the output the doc expects (null: none given). */
    public record Snippet(String doc, int line, String code, String expected) {
        @Override
        public String toString() {
            return doc + ":" + line;
        }
    }

    private record Block(String lang, List<String> words, int line, int end, String code) {}

    /** The repository: the first directory up from the working directory that holds the Java guide. */
    static Path root() {
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(DOCS[0]))) {
                return p;
            }
        }
        throw new IllegalStateException("no " + DOCS[0] + " above " + Paths.get("").toAbsolutePath());
    }

    /** Every fenced block of a Markdown file (the rules of tests/doc/snippets.py). */
    private static List<Block> blocks(List<String> lines) {
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = FENCE.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            String fence = m.group(2);
            Pattern close = Pattern.compile("^ {0,3}" + Pattern.quote(fence.substring(0, 1)) + "{" + fence.length() + ",}[ \\t]*$");
            int j = i + 1;
            while (j < lines.size() && !close.matcher(lines.get(j)).matches()) {
                j++;
            }
            String rest = m.group(4).trim();
            List<String> words = rest.isEmpty() ? List.of() : List.of(rest.split("\\s+"));
            out.add(new Block(m.group(3).toLowerCase(Locale.ROOT), words, i + 2, j,
                    String.join("\n", lines.subList(i + 1, j)) + "\n"));
            i = j;
        }
        return out;
    }

    /** The runnable {@code lang} blocks of one document, with their expected output. */
    static List<Snippet> runnable(Path root, String doc, String lang) throws IOException {
        Path file = root.resolve(doc);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Block> bs = blocks(lines);
        List<Snippet> found = new ArrayList<>();
        for (int k = 0; k < bs.size(); k++) {
            Block b = bs.get(k);
            if (!b.lang().equals(lang) || !b.words().contains("runnable")) {
                continue;
            }
            String expected = null;
            if (k + 1 < bs.size() && bs.get(k + 1).lang().equals("output")) {
                Block o = bs.get(k + 1);
                if (lines.subList(b.end() + 1, o.line() - 2).stream().allMatch(String::isBlank)) {
                    expected = o.code();
                }
            }
            found.add(new Snippet(doc, b.line(), b.code(), expected));
        }
        return found;
    }

    @DataProvider(name = "snippets")
    public static Object[][] snippets() throws IOException {
        Path root = root();
        List<Object[]> all = new ArrayList<>();
        for (String doc : DOCS) {
            for (Snippet s : runnable(root, doc, "java")) {
                all.add(new Object[] {s});
            }
        }
        return all.toArray(new Object[0][]);
    }

    @Test
    public void theGuideHasRunnableSnippets() throws IOException {
        int n = runnable(root(), DOCS[0], "java").size();
        assertTrue(n >= GUIDE_MIN_SNIPPETS, DOCS[0] + " has " + n + " ```java runnable blocks, expected at least "
                + GUIDE_MIN_SNIPPETS + " (is the marker spelt right?)");
    }

    @Test(dataProvider = "snippets")
    public void snippetCompilesAndRuns(Snippet s) throws Exception {
        Path root = root();
        String squares = null;
        if (s.code().contains(SQUARES_PROPERTY) && System.getProperty(SQUARES_PROPERTY) == null) {
            Path lib = root.resolve("target/native/build/examples/c/weft_example_squares.so");
            if (!Files.isRegularFile(lib)) {
                throw new SkipException(s + ": needs the C example library, not built here: " + lib);
            }
            squares = lib.toString();
        }
        Path out = Files.createTempDirectory("weft-doc-snippet");
        try {
            compile(s, out);
            if (squares != null) {
                System.setProperty(SQUARES_PROPERTY, squares);
            }
            try {
                String got = run(s, out);
                if (s.expected() != null && !normalise(got).equals(normalise(s.expected()))) {
                    fail(s + ": the output differs from the doc's ```output block\n--- expected (doc)\n"
                            + normalise(s.expected()) + "\n--- actual\n" + normalise(got));
                }
            } finally {
                if (squares != null) {
                    System.clearProperty(SQUARES_PROPERTY);
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(out)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Compiles the block into {@code out}; a failure names the doc's lines. */
    private static void compile(Snippet s, Path out) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            fail("no system Java compiler: the doc tests need a JDK, not a JRE");
        }
        Matcher m = PUBLIC_CLASS.matcher(s.code());
        String name = m.find() ? m.group(1) : "Snippet";
        JavaFileObject src = new SimpleJavaFileObject(URI.create("string:///" + name + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return s.code();
            }
        };
        DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diags, Locale.ROOT, StandardCharsets.UTF_8)) {
            fm.setLocation(StandardLocation.CLASS_OUTPUT, List.of(out.toFile()));
            List<String> options = List.of("-classpath", System.getProperty("java.class.path"), "-proc:none",
                    "-encoding", "UTF-8");
            boolean ok = javac.getTask(null, fm, diags, options, null, List.of(src)).call();
            if (!ok) {
                StringBuilder sb = new StringBuilder(s + ": the snippet does not compile");
                for (Diagnostic<? extends JavaFileObject> d : diags.getDiagnostics()) {
                    if (d.getKind() == Diagnostic.Kind.ERROR) {
                        long line = d.getLineNumber() > 0 ? s.line() + d.getLineNumber() - 1 : s.line();
                        sb.append("\n").append(s.doc()).append(":").append(line).append(": error: ")
                                .append(d.getMessage(Locale.ROOT));
                    }
                }
                fail(sb.toString());
            }
        }
    }

    /** Runs the block's main in a thread of its own, with a timeout; returns what it printed. */
    private static String run(Snippet s, Path out) throws Exception {
        Method main = null;
        // not closed: coroutines the snippet leaves running may still load its classes
        @SuppressWarnings("resource")
        URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, DocSnippetsTest.class.getClassLoader());
        {
            try (Stream<Path> files = Files.list(out)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String file = f.getFileName().toString();
                    if (!file.endsWith(".class") || file.contains("$")) {
                        continue;
                    }
                    Class<?> c = loader.loadClass(file.substring(0, file.length() - ".class".length()));
                    try {
                        Method mm = c.getMethod("main", String[].class);
                        if (Modifier.isStatic(mm.getModifiers())) {
                            main = mm;
                        }
                    } catch (NoSuchMethodException e) {
                        // not the entry point
                    }
                }
            }
            if (main == null) {
                fail(s + ": the snippet has no public static void main(String[])");
            }
            Method entry = main;
            Throwable[] thrown = {null};
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            PrintStream saved = System.out;
            Thread t = new Thread(() -> {
                try {
                    entry.invoke(null, (Object) new String[0]);
                } catch (InvocationTargetException e) {
                    thrown[0] = e.getCause();
                } catch (Throwable e) {
                    thrown[0] = e;
                }
            }, "doc-snippet " + s);
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            try {
                t.start();
                t.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            } finally {
                System.setOut(saved);
            }
            String got = buf.toString(StandardCharsets.UTF_8);
            if (t.isAlive()) {
                t.interrupt();
                fail(s + ": main still running after " + TIMEOUT_SECONDS + " s; it printed:\n" + got);
            }
            if (thrown[0] != null) {
                throw new AssertionError(s + ": main threw " + thrown[0] + "; it printed:\n" + got, thrown[0]);
            }
            return got;
        }
    }

    /** Each line's trailing blanks and the trailing blank lines do not count. */
    private static String normalise(String text) {
        String[] lines = text.replace("\r\n", "\n").split("\n", -1);
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l.stripTrailing()).append('\n');
        }
        return sb.toString().replaceAll("\n+$", "");
    }
}
