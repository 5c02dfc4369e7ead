#!/usr/bin/env python3
"""ci/structure-check.py - the native layout stays what docs/architecture.md says.

    python3 ci/structure-check.py [--archive path/to/libweft.a] [--nm nm]

From the sources (always):
  1. no .c file under cnative/ declares a function or variable that another
     file defines: the private interface lives in headers (runtime.h and
     the header named for each file), so a changed signature cannot link
     silently;
  2. nothing under cnative/src includes a header of cnative/jni or
     jni-headers, or names a function defined in cnative/jni: the core never reaches up into the Java glue;
  3. no #if on the operating system (_WIN32, __APPLE__, ...) in a .c file of
     cnative/src itself: OS code lives in cnative/src/os, architecture and
     object-format code in cnative/src/arch.

From the core's archive (with --archive; ctest passes the one just built):
  4. no symbol of the Java glue (weft_jni_*, weft_ext_*, Java_*) in it;
  5. the only circle of calls between the core's files is the kernel that
     runtime.h's head comment declares (`kernel = { ... }`), and that
     kernel is one circle: each object's undefined symbols are matched to
     the object defining them, and the file graph's strongly connected
     components must be exactly that one set.

Exits 1 and names every violation; prints one summary line when clean.
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
CORE = os.path.join(ROOT, "cnative", "src")
GLUE = os.path.join(ROOT, "cnative", "jni")
JNI_HEADERS = os.path.join(ROOT, "jni-headers")  # the flat ABI JavaCPP parses
OS_MACROS = ("_WIN32", "_WIN64", "__APPLE__", "__MACH__", "__MINGW32__", "__MINGW64__",
             "__CYGWIN__", "_MSC_VER")
GLUE_SYMBOL = re.compile(r"^_?(weft_jni_|weft_ext_|Java_)")

errors = []


def rel(path):
    return os.path.relpath(path, ROOT)


def sources(top, exts):
    for d, _, files in os.walk(top):
        for f in sorted(files):
            if f.endswith(exts):
                yield os.path.join(d, f)


def strip_comments(text):
    """Comments and string/char literals blanked, newlines kept (line numbers stay)."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'',
                  blank, text, flags=re.S)


def top_level(text):
    """(line, statement) pairs at brace depth 0: declarations ending in ';'
    and definition heads ending in '{' (bodies are skipped; so is the tail
    of a typedef'd struct)."""
    text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", lambda m: re.sub(r"[^\n]", " ", m.group(0)),
                  text, flags=re.M)
    out, depth, cur, cur_line, line, skip_tail = [], 0, [], 1, 1, False
    for c in text:
        if c == "\n":
            line += 1
        if depth > 0:
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            continue
        if c == "{":
            head = "".join(cur).strip()
            out.append((cur_line, head + " {"))
            skip_tail = head.startswith("typedef")
            depth, cur = 1, []
            continue
        if c == ";":
            if not skip_tail:
                out.append((cur_line, "".join(cur).strip() + ";"))
            cur, skip_tail = [], False
            continue
        if not cur and c.isspace():
            continue
        if not cur:
            cur_line = line
        cur.append(c)
    return out


FUNC = re.compile(r"\b([A-Za-z_]\w*)\s*\((?:[^()]|\([^()]*\))*\)\s*(?:__attribute__\s*\(\(.*?\)\)\s*|__asm__\s*\(.*?\)\s*)*[;{]\s*$", re.S)
VAR = re.compile(r"\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*(?:=.*)?;\s*$", re.S)


def defs_and_decls(path):
    """Functions and variables a file defines (externally visible), and the
    ones it declares without defining, with their lines."""
    text = strip_comments(open(path, encoding="utf-8", errors="replace").read())
    defined, declared = {}, {}
    for line, st in top_level(text):
        s = st.strip()
        if not s or s.startswith(("typedef", "struct", "union", "enum", "_Static_assert", "static_assert")) \
                and "(" not in s.split("{")[0].split("=")[0]:
            continue
        if s.startswith(("typedef", "_Static_assert", "static_assert")):
            continue
        if re.match(r"(?:static|inline)\b", s) or re.search(r"\bstatic\b", s.split("(")[0]):
            continue
        m = FUNC.search(s)
        if m and "=" not in s.split("(")[0]:
            (defined if s.endswith("{") else declared)[m.group(1)] = line
            continue
        if s.endswith("{"):
            continue  # a struct/enum/initialiser body
        m = VAR.search(s.split("=")[0].rstrip() + ";")
        if m and not re.match(r"(?:struct|union|enum)\s+\w+\s*;$", s):
            if s.startswith("extern"):
                declared[m.group(1)] = line
            else:
                defined[m.group(1)] = line
    return defined, declared


def check_sources():
    c_files = list(sources(CORE, (".c",))) + list(sources(GLUE, (".c",)))
    where = {}
    info = {}
    for f in c_files:
        d, decl = defs_and_decls(f)
        info[f] = (d, decl)
        for name in d:
            where.setdefault(name, f)
    # 1. declarations of another file's definitions
    for f, (d, decl) in info.items():
        for name, line in sorted(decl.items(), key=lambda kv: kv[1]):
            other = where.get(name)
            if other and other != f:
                errors.append(f"{rel(f)}:{line}: declares {name}, defined in {rel(other)}: "
                              "declare it in a header")
    # 2. the core never reaches into the glue
    glue_headers = {os.path.basename(h) for top in (GLUE, JNI_HEADERS) for h in sources(top, (".h",))}
    glue_funcs = {n for f, (d, _) in info.items() if f.startswith(GLUE + os.sep) for n in d}
    for f in sources(CORE, (".c", ".h")):
        raw = open(f, encoding="utf-8", errors="replace").read()
        for n, l in enumerate(raw.splitlines(), 1):
            m = re.match(r'\s*#\s*include\s*[<"]([^">]+)[">]', l)
            if m and os.path.basename(m.group(1)) in glue_headers:
                errors.append(f"{rel(f)}:{n}: includes {m.group(1)} of cnative/jni: the core never "
                              "includes the Java glue")
        code = strip_comments(raw)
        for name in sorted(glue_funcs):
            for m in re.finditer(r"\b%s\b" % re.escape(name), code):
                n = code.count("\n", 0, m.start()) + 1
                errors.append(f"{rel(f)}:{n}: names {name} of cnative/jni: register a hook instead")
    # 3. OS branches outside os/ and arch/
    for f in sorted(os.listdir(CORE)):
        if not f.endswith(".c"):
            continue
        p = os.path.join(CORE, f)
        for n, l in enumerate(open(p, encoding="utf-8", errors="replace").read().splitlines(), 1):
            if re.match(r"\s*#\s*(if|ifdef|ifndef|elif)\b", l):
                hit = [m for m in OS_MACROS if re.search(r"\b%s\b" % m, l)]
                if hit:
                    errors.append(f"{rel(p)}:{n}: #if on {', '.join(hit)}: OS code goes in "
                                  "cnative/src/os (os/os.h)")
    return len(c_files)


def declared_kernel():
    text = open(os.path.join(CORE, "runtime.h"), encoding="utf-8").read()
    m = re.search(r"kernel\s*=\s*\{([^}]*)\}", text)
    if not m:
        errors.append("cnative/src/runtime.h: no `kernel = { ... }` in its head comment")
        return set()
    return {w.strip() for w in m.group(1).replace("*", " ").split(",") if w.strip()}


def member_name(member):
    base = os.path.basename(member)
    return re.sub(r"\.(c|S|s)\.(o|obj)$|\.(o|obj)$", "", base)


def check_archive(archive, nm):
    try:
        out = subprocess.run([nm, "-A", archive], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        errors.append(f"{archive}: {nm} failed: {e}")
        return 0
    defines, needs = {}, {}
    for line in out.splitlines():
        # "archive:member.o:0000000000000000 T name" or "archive:member.o:                 U name"
        m = re.match(r"^(?:.*?):([^:]+):\s*(?:[0-9a-fA-F]+\s+)?([A-Za-z?])\s+(\S+)$", line)
        if not m:
            continue
        member, kind, sym = member_name(m.group(1)), m.group(2), m.group(3)
        needs.setdefault(member, set())
        if GLUE_SYMBOL.match(sym):
            errors.append(f"{rel(archive) if archive.startswith(ROOT) else archive}: {member}: "
                          f"symbol {sym} of the Java glue")
        if kind == "U":
            needs[member].add(sym)
        elif kind in "TDBRCVWGS" or kind in "i":
            defines.setdefault(sym, member)
    graph = {m: {defines[s] for s in syms if s in defines and defines[s] != m}
             for m, syms in needs.items()}
    # Tarjan's strongly connected components, iteratively
    index, low, on, stack, comps, counter = {}, {}, set(), [], [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]; counter[0] += 1
        stack.append(root); on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]; counter[0] += 1
                    stack.append(w); on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop(); on.discard(w); comp.add(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    comps.append(comp)
    kernel = declared_kernel()
    if kernel:
        if kernel not in comps:
            errors.append("the declared kernel { %s } is not one circle of calls; circles found: %s"
                          % (", ".join(sorted(kernel)),
                             "; ".join("{ %s }" % ", ".join(sorted(c)) for c in comps) or "none"))
        for c in comps:
            if c != kernel:
                errors.append("a circle of calls outside the declared kernel: { %s }"
                              % ", ".join(sorted(c)))
    return len(graph)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archive", help="the core's static library (libweft.a) to check symbols of")
    ap.add_argument("--nm", default=os.environ.get("NM", "nm"))
    a = ap.parse_args()
    n_src = check_sources()
    n_obj = check_archive(a.archive, a.nm) if a.archive else 0
    if errors:
        for e in errors:
            print("structure-check: " + e)
        print(f"structure-check: {len(errors)} violation(s)")
        return 1
    kernel = ", ".join(sorted(declared_kernel()))
    print(f"structure-check: {n_src} C files clean"
          + (f"; {n_obj} objects, one circle: the kernel {{ {kernel} }}" if a.archive else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
