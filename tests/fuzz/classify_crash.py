#!/usr/bin/env python3
"""Names the culprit of a libFuzzer/sanitizer report: the first stack frame that is neither the
sanitizer and fuzzer runtime, libc, nor a C++ standard header (templates from headers run on behalf
of their caller). Prints one line of tab-separated fields:  KIND OWNER SITE LOCATION
KIND is crash, uncaught-exception (blamed on the nearest nin frame, since nin's API promises
typed errors), timeout, oom or leak; OWNER is "nin" (a frame in lib/, tools/ or tests/ of this
repository) or the library the frame is in (libhdf5, libonnx, protobuf, libstdc++, ...).

usage: classify_crash.py REPO_ROOT LOG"""

import os
import re
import sys

FRAME = re.compile(r"^\s*#\d+ 0x[0-9a-f]+ ?(?:in )?(?P<rest>.*?)(?: \(BuildId: \w+\))?$")
LOCATION = re.compile(r"^(\(\S+\)|/\S+|\S+:\d+(:\d+)?)$")
RUNTIME_FUNC = re.compile(
    r"^(__sanitizer|__asan|__ubsan|__lsan|__interceptor_|__interception|fuzzer::|"
    r"__sanitizer_print_stack_trace|operator new|operator delete|malloc|calloc|realloc|free|"
    r"posix_memalign|aligned_alloc|memalign|__cxa_|std::terminate|__gnu_cxx::__verbose_terminate|"
    r"std::__throw_|__cxxabiv1::|abort|raise|gsignal|__assert|__libc_|__GI_|__pthread_kill|"
    r"mem(cpy|move|set|cmp)|__mem(cpy|move|set|cmp)\w*|str(len|cpy|ncpy|cmp|dup)|"
    r"LLVMFuzzerTestOneInput$)")
# glibc's optimised string functions report their source as "string/../sysdeps/...".
RUNTIME_PATH = re.compile(r"(compiler-rt|/libc\.so|/libc-|/libgcc_s|/libstdc\+\+\.so.*\+0x.*__cxa|"
                          r"^string/\.\./sysdeps/|"
                          r"/usr/include/c\+\+/|/ld-linux)")
LIBRARIES = [("libhdf5", "libhdf5"), ("libonnx", "libonnx"), ("libprotobuf", "protobuf"),
             ("libstdc++", "libstdc++"), ("libtbb", "tbb"), ("libopenblas", "openblas"),
             ("libz.so", "zlib"), ("libboost", "boost"), ("/usr/include/nlohmann", "nlohmann-json"),
             ("/usr/include/onnx", "libonnx"), ("/usr/include/google/protobuf", "protobuf"),
             ("/usr/include/oneapi", "tbb"), ("/usr/include/tbb", "tbb")]


def kind_of(text):
    if "terminate called after throwing" in text:
        return "uncaught-exception"
    if "ERROR: libFuzzer: timeout" in text:
        return "timeout"
    if "out-of-memory" in text or "allocation-size-too-big" in text or "allocator is out of memory" in text:
        return "oom"
    if "LeakSanitizer: detected memory leaks" in text:
        return "leak"
    return "crash"


def owner_of(func, loc, repo):
    for part in ("lib/", "tools/", "tests/"):
        if loc.startswith(os.path.join(repo, part)):
            return "nin"
    for needle, name in LIBRARIES:
        if needle in loc:
            return name
    if loc.startswith("("):
        return os.path.basename(loc.strip("()").split("+")[0])
    return "unknown"


def without_parameters(func):
    """nin::f(int) const -> nin::f; keeps "(anonymous namespace)" inside the name."""
    body = re.sub(r"\s+const$", "", func)
    if not body.endswith(")"):
        return func
    depth = 0
    for i in range(len(body) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(body[i], 0)
        if depth == 0:
            return body[:i] or func
    return func


def main():
    repo, log = os.path.realpath(sys.argv[1]), sys.argv[2]
    with open(log, errors="replace") as f:
        text = f.read()
    kind = kind_of(text)
    # The report starts at the sanitizer's or libFuzzer's ERROR line (UBSan: "runtime error").
    start = max(text.find("ERROR: "), 0)
    ubsan = re.search(r"^(\S+?):(\d+):\d+: runtime error: (.*)$", text, re.M)
    if ubsan:
        start = ubsan.start()
    frames = []
    for line in text[start:].splitlines():
        m = FRAME.match(line)
        if not m:
            if frames:
                break  # the first stack ends at the first line that is not a frame
            continue
        func, _, loc = m.group("rest").rpartition(" ")
        if not LOCATION.match(loc):
            func, loc = m.group("rest"), ""
        if loc.startswith("/"):
            loc = os.path.normpath(loc)
        frames.append((func.strip(), loc))
    for i, (func, loc) in enumerate(frames):
        if RUNTIME_FUNC.match(func) or RUNTIME_PATH.search(loc):
            continue
        if not func and "libstdc++" in loc:
            continue  # unnamed helpers of std::terminate and the unwinder
        owner = owner_of(func, loc, repo)
        if kind == "uncaught-exception" and owner != "nin":
            # nin's API promises typed errors: whatever threw, nin's frame let it escape.
            continue
        if not func:
            # A frame without a symbol (a static function of a stripped library): name it by the
            # next named frame in the same library.
            module = loc.split("+")[0]
            func = next((f for f, l in frames[i:] if f and l.split("+")[0] == module),
                        os.path.basename(loc.strip("()")))
        site = without_parameters(func)
        loc_text = os.path.relpath(loc, repo) if loc.startswith(repo + "/") else loc or "-"
        print(kind, owner, site, loc_text, sep="\t")
        return
    print(kind, "unknown", "(no stack frame)", "-", sep="\t")


if __name__ == "__main__":
    main()
