"""A generated block of a Markdown file: the text between two marker lines,
written from a benchmark's JSON or checked against it (make test runs the
checks, so a table is never edited by hand); and the CPU name the JSON
records, so a block says which machine measured it."""
import os
import platform


def cpu_model():
    """The CPU's model name (/proc/cpuinfo), or what platform knows elsewhere."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def sync_block(path, begin, end, block, check, what, regenerate):
    """Puts `block` between `begin` and `end` in the file at `path`, or with
    `check` exits with a message when the file's block differs. `what` names
    the block in messages, `regenerate` is the command that rewrites it."""
    text = open(path).read()
    name = os.path.relpath(path)
    if begin not in text or end not in text:
        raise SystemExit(f"{name}: no {begin} ... {end} block")
    head, rest = text.split(begin, 1)
    new = head + begin + "\n\n" + block + "\n" + end + rest.split(end, 1)[1]
    if check:
        if new != text:
            raise SystemExit(f"{name}: the {what} block differs from its JSON; run '{regenerate}'")
        print(f"{name}: the {what} block matches its JSON")
        return
    with open(path, "w") as f:
        f.write(new)
    print(f"{name}: {what} block written")
