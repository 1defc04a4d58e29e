#!/usr/bin/env python3
"""Find import cycles between the source files of each crate in the workspace.

Usage:
    python3 tests/arch/import_cycles.py [--edges] [SRC_DIR ...]

With no SRC_DIR, every workspace member's `src/` (from the root Cargo.toml) is
checked. A SRC_DIR may be given relative to the repository root or to the current
directory, e.g. `adapter/src`. Every cycle is printed with, for each of its edges,
the first line that makes it. The exit status is 1 if any cycle was found, 0 if
none, and 2 on bad usage. `--edges` also prints the whole graph of each crate.

The graph, file by file, within one crate:

* Nodes are the `.rs` files of the module tree, found from `lib.rs`, `main.rs` and
  `bin/*.rs` by following `mod name;` declarations (`name.rs` or `name/mod.rs`
  beside the parent's directory, as rustc looks for them). Inline `mod name { .. }`
  blocks belong to the file they are written in, but paths inside them are resolved
  from the inline module (so `super::` in an inline `mod tests` is the file itself).
* `mod child;` is not an edge: declaring a child is not using it.
* An edge A -> B means file A names a path that ends in file B:
  - `use` declarations (`pub use` re-exports included), with `{..}` groups,
    `self`, globs and `as` renames expanded;
  - paths in code that start with `crate::`, `super::`, `self::`, or with the name
    of a child module of the current module (`child::f()`).
  A path is resolved through the module tree one segment at a time and stops at the
  deepest segment that is a module: `crate::a::b::f` is an edge to `a/b.rs` (or
  `a/b/mod.rs`), `crate::a::Item` an edge to `a.rs` (or `a/mod.rs`) even when
  `a` re-exports `Item` from a child. Paths that start with anything else
  (`std::`, other crates, types, enum variants) are not edges.
* So a child that uses items of its parent through `super::` (or `crate::`) is an
  edge child -> parent, and a parent that uses or re-exports a child's items
  (`pub use child::X;`, `child::f()`) is an edge parent -> child. Both together
  make a cycle; it is reported like any other, and the fix decides which side
  moves (usually: the shared piece goes to a leaf module of its own).
* A file naming itself is not an edge.
* Only paths count. A method call (`self.f()`) names no module, so a `mod.rs`
  calling methods that its children add to its type (`impl Session` in a child)
  is not an edge; the children naming that type are.
* Comments (doc comments and intra-doc links included), string and character
  literals are ignored. `$crate::` in macros is ignored. Not handled, because the
  crates' `src/` do not use them: `#[path]` attributes and nested block comments.

Cycles are reported per strongly connected component: every elementary cycle in
it, shortest first (at most MAX_CYCLES per component, with a count of the rest).
Standard library only; runs in well under a second on the whole workspace. Its own
tests: `python3 -m unittest tests/arch/test_import_cycles.py`.
"""

from __future__ import annotations

import argparse
import bisect
import functools
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

MAX_CYCLES = 200
MAX_STEPS = 1_000_000

# Comments, string and char literals, lifetimes. Leftmost match wins, so a `//`
# inside a string stays in the string and a `"` inside a comment stays in the comment.
_NOISE = re.compile(
    r"""
    (?=[/"'br])  # every alternative starts with one of these: a cheap first test
    (?:
      //[^\n]*
    | /\*[\s\S]*?\*/
    | (?<![\w])b?r(?P<hashes>\#*)"[\s\S]*?"(?P=hashes)
    | (?<![\w])b?"(?:[^"\\]|\\[\s\S])*"
    | (?<![\w])b?'(?:[^'\\\n]|\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|.))'
    | '[A-Za-z_]\w*
    )
    """,
    re.VERBOSE,
)

# These start with a literal, which `re` searches for quickly; that the keyword is a
# whole word (not the end of `_use` or `$mod`) is checked by `_keyword`.
_MOD = re.compile(r"mod\s+(?:r\#)?([A-Za-z_]\w*)\s*([;{])")
_USE = re.compile(r"use\s+([^;]*);")
_PATH_TAIL = r"((?:\s*::\s*(?:r\#)?[A-Za-z_]\w*)+)"


@functools.lru_cache(maxsize=None)
def _path_pattern(heads: frozenset[str]) -> re.Pattern[str]:
    """A path in code that starts with one of `heads` (`crate`, a child module, ...)."""
    alternatives = "|".join(sorted(map(re.escape, heads), key=len, reverse=True))
    return re.compile(rf"({alternatives})\b" + _PATH_TAIL)


def _keyword(text: str, match: re.Match[str], also: str = "") -> bool:
    """Whether `match` starts a word: no identifier character, `$` or any of `also`
    right before it."""
    start = match.start()
    if start == 0:
        return True
    before = text[start - 1]
    return not (before.isalnum() or before in "_$" or before in also)


def _finditer(pattern: re.Pattern[str], text: str, also: str = "") -> list[re.Match[str]]:
    """The matches of `pattern` in `text` that start a word (see `_keyword`)."""
    return [m for m in pattern.finditer(text) if _keyword(text, m, also)]
_USE_TOKEN = re.compile(r"::|[{},*]|\$?(?:r\#)?[A-Za-z_]\w*")
_BRACE = re.compile(r"[{}]")


def _blank(match: re.Match[str]) -> str:
    """Replaces a comment or literal with spaces, keeping its line breaks."""
    text = match.group()
    return " " + "\n" * text.count("\n") if "\n" in text else " " * len(text)


@dataclass
class Module:
    """One module of a crate's tree: a file, or an inline `mod` inside one."""

    path: tuple[str, ...]
    file: Path
    child_dir: Path
    parent: "Module | None"
    children: dict[str, "Module"] = field(default_factory=dict)


@dataclass
class Edge:
    """The first place a file names a path that ends in another file."""

    line: int
    text: str


@dataclass
class Crate:
    """A crate's `src/`, its module trees and the file graph built from them."""

    src: Path
    files: dict[Path, str] = field(default_factory=dict)
    edges: dict[Path, dict[Path, Edge]] = field(default_factory=dict)


class Source:
    """A file with comments and literals blanked, and a line lookup."""

    def __init__(self, text: str) -> None:
        self.text = _NOISE.sub(_blank, text)
        self._newlines = [m.start() for m in re.finditer("\n", self.text)]

    def line(self, pos: int) -> int:
        """Returns the 1-based line number of an offset into the blanked text."""
        return bisect.bisect_right(self._newlines, pos - 1) + 1


def _inline_spans(src: Source) -> list[tuple[int, int, str]]:
    """Returns (start, end, name) of every inline `mod name { .. }` block."""
    opens = [m for m in _finditer(_MOD, src.text) if m.group(2) == "{"]
    if not opens:
        return []
    braces = [(m.start(), m.group()) for m in _BRACE.finditer(src.text)]
    offsets = [pos for pos, _ in braces]
    spans = []
    for m in opens:
        open_pos = m.end() - 1
        i = bisect.bisect_left(offsets, open_pos)
        depth = 0
        end = len(src.text)
        for pos, ch in braces[i:]:
            depth += 1 if ch == "{" else -1
            if depth == 0:
                end = pos
                break
        spans.append((open_pos, end, m.group(1)))
    return spans


class Analyzer:
    """Builds one crate's module trees and its file-level import graph."""

    def __init__(self, src_dir: Path) -> None:
        self.crate = Crate(src=src_dir)
        self.sources: dict[Path, Source] = {}
        # For each file: the modules it holds (the file's own, then inline ones
        # with their spans), to find the module a position is in.
        self.scopes: dict[Path, list[tuple[int, int, Module]]] = {}

    def _source(self, file: Path) -> Source:
        if file not in self.sources:
            self.sources[file] = Source(file.read_text(encoding="utf-8"))
        return self.sources[file]

    def _load(self, module: Module) -> None:
        """Reads a file module and, recursively, the modules it declares."""
        src = self._source(module.file)
        self.crate.files[module.file] = module.file.relative_to(self.crate.src).as_posix()
        spans = _inline_spans(src)
        scopes: list[tuple[int, int, Module]] = [(0, len(src.text), module)]
        for start, end, name in spans:
            # The innermost already-known scope holding this block is its parent.
            parent = self._scope_at(scopes, start)
            inline = Module(
                path=parent.path + (name,),
                file=module.file,
                child_dir=parent.child_dir / name,
                parent=parent,
            )
            parent.children[name] = inline
            scopes.append((start, end, inline))
        self.scopes.setdefault(module.file, []).extend(scopes)
        for m in _finditer(_MOD, src.text):
            if m.group(2) != ";":
                continue
            parent = self._scope_at(scopes, m.start())
            name = m.group(1)
            for candidate in (parent.child_dir / f"{name}.rs", parent.child_dir / name / "mod.rs"):
                if candidate.is_file():
                    break
            else:
                continue  # a missing file is rustc's error to report, not ours
            is_dir_owner = candidate.name == "mod.rs"
            child = Module(
                path=parent.path + (name,),
                file=candidate,
                child_dir=candidate.parent if is_dir_owner else candidate.parent / name,
                parent=parent,
            )
            parent.children[name] = child
            self._load(child)

    @staticmethod
    def _scope_at(scopes: list[tuple[int, int, Module]], pos: int) -> Module:
        best = scopes[0]
        for scope in scopes:
            if scope[0] <= pos <= scope[1] and scope[1] - scope[0] <= best[1] - best[0]:
                best = scope
        return best[2]

    def _resolve(self, here: Module, root: Module, segments: list[str]) -> Module | None:
        """Returns the deepest module a path names, or None if it is not crate-local."""
        first = segments[0]
        if first == "crate":
            module = root
        elif first == "self":
            module = here
        elif first == "super":
            module = here
        elif first in here.children:
            module = here
        else:
            return None
        rest = segments
        if first in ("crate", "self"):
            rest = segments[1:]
        while rest and rest[0] == "super":
            if module.parent is None:
                return None
            module = module.parent
            rest = rest[1:]
        for seg in rest:
            child = module.children.get(seg)
            if child is None:
                break
            module = child
        return module

    def _add_edge(self, src_file: Path, target: Module | None, line: int, text: str) -> None:
        if target is None or target.file == src_file:
            return
        out = self.crate.edges.setdefault(src_file, {})
        if target.file not in out:
            out[target.file] = Edge(line=line, text=" ".join(text.split()))

    def _scan(self, file: Path, root: Module) -> None:
        """Adds the edges of one file: its `use` declarations, then paths in code."""
        src = self._source(file)
        scopes = self.scopes[file]
        text = src.text
        uses = _finditer(_USE, text)
        for m in uses:
            here = self._scope_at(scopes, m.start())
            line = src.line(m.start())
            for segments in _expand_use(m.group(1)):
                self._add_edge(file, self._resolve(here, root, segments), line, "use " + "::".join(segments))
        # Paths in code: the same text with the `use` declarations blanked out, so
        # that `use crate::{a, b}` is not read as the path `crate`.
        pieces, last = [], 0
        for m in uses:
            pieces += [text[last : m.start()], " " * (m.end() - m.start())]
            last = m.end()
        code = "".join(pieces) + text[last:]
        heads = {"crate", "super", "self"}
        for _, _, module in scopes:
            heads.update(module.children)
        for m in _finditer(_path_pattern(frozenset(heads)), code, also=".:"):
            head = m.group(1)
            segments = [head] + [s.strip() for s in m.group(2).split("::")[1:]]
            here = self._scope_at(scopes, m.start())
            if head not in ("crate", "super", "self") and head not in here.children:
                continue
            self._add_edge(file, self._resolve(here, root, segments), src.line(m.start()), "::".join(segments))

    def run(self) -> Crate:
        src = self.crate.src
        roots = [src / "lib.rs", src / "main.rs"]
        bin_dir = src / "bin"
        if bin_dir.is_dir():
            roots += sorted(bin_dir.glob("*.rs"))
            roots += sorted(p for p in bin_dir.glob("*/main.rs"))
        for root_file in roots:
            if not root_file.is_file():
                continue
            root = Module(path=(), file=root_file, child_dir=root_file.parent, parent=None)
            before = set(self.scopes)
            self._load(root)
            for file in sorted(set(self.scopes) - before):
                self._scan(file, root)
        return self.crate


def _expand_use(tree: str) -> list[list[str]]:
    """Expands a use tree (`a::{b, c::{self, d as e}, *}`) into its paths."""
    tokens = _USE_TOKEN.findall(tree)
    pos = 0

    def parse(prefix: list[str]) -> list[list[str]]:
        nonlocal pos
        segments = list(prefix)
        results: list[list[str]] = []
        if pos < len(tokens) and tokens[pos] == "::":
            pos += 1  # a leading `::` names an external crate
            segments.append("::")
        while pos < len(tokens):
            tok = tokens[pos]
            if tok == "{":
                pos += 1
                while pos < len(tokens) and tokens[pos] != "}":
                    if tokens[pos] == ",":
                        pos += 1
                        continue
                    results += parse(segments)
                pos += 1
                return results
            if tok in (",", "}"):
                break
            if tok == "::":
                pos += 1
                continue
            if tok == "as":
                pos += 2  # the rename does not change what is imported
                continue
            if tok == "*":
                pos += 1
                continue
            if tok == "self" and segments:
                pos += 1
                continue
            segments.append(tok.removeprefix("r#"))
            pos += 1
        results.append(segments)
        return results

    paths = parse([])
    return [p for p in paths if p and p[0] != "::"]


def _cycles(
    edges: dict[Path, dict[Path, Edge]],
) -> list[tuple[list[Path], list[list[Path]], int, bool]]:
    """Returns each non-trivial strongly connected component with its elementary
    cycles (shortest first, at most MAX_CYCLES), how many cycles it has in all,
    and whether the search gave up early (then the count is a lower bound)."""
    nodes = sorted(set(edges) | {t for out in edges.values() for t in out})
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    on_stack: set[Path] = set()
    components: list[list[Path]] = []
    counter = 0

    def strongconnect(v: Path) -> None:
        # Iterative Tarjan, so deep graphs do not hit the recursion limit.
        nonlocal counter
        work = [(v, iter(sorted(edges.get(v, {}))))]
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges.get(w, {})))))
                    advanced = True
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))

    for v in nodes:
        if v not in index:
            strongconnect(v)

    result = []
    for component in sorted(components):
        members = set(component)
        order = {v: i for i, v in enumerate(component)}
        found: list[list[Path]] = []
        total = 0
        steps = 0
        # Elementary cycles, each found once from its smallest member. A dense
        # component can have exponentially many: the search stops after
        # MAX_STEPS and the count then is a lower bound.
        for start in component:
            path = [start]
            on_path = {start}
            iters = [iter(sorted(edges.get(start, {})))]
            while iters and steps < MAX_STEPS:
                steps += 1
                advanced = False
                for w in iters[-1]:
                    if w not in members or order[w] < order[start]:
                        continue
                    if w == start:
                        total += 1
                        if len(found) < MAX_CYCLES * 10:
                            found.append(list(path))
                    elif w not in on_path:
                        path.append(w)
                        on_path.add(w)
                        iters.append(iter(sorted(edges.get(w, {}))))
                        advanced = True
                        break
                if not advanced:
                    iters.pop()
                    on_path.discard(path.pop())
        found.sort(key=lambda c: (len(c), c))
        result.append((component, found[:MAX_CYCLES], total, steps >= MAX_STEPS))
    return result


def _workspace_srcs(root: Path) -> list[Path]:
    manifest = tomllib.loads((root / "Cargo.toml").read_text(encoding="utf-8"))
    members = manifest.get("workspace", {}).get("members", [])
    return [root / m / "src" for m in members if (root / m / "src").is_dir()]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Find import cycles between a crate's files.")
    parser.add_argument("src", nargs="*", help="a crate's src/ directory (default: every workspace member)")
    parser.add_argument("--edges", action="store_true", help="also print every edge of the graph")
    args = parser.parse_args(argv)

    repo = Path(__file__).resolve().parents[2]
    if args.src:
        srcs = []
        for s in args.src:
            p = Path(s)
            if not p.is_absolute() and not p.is_dir():
                p = repo / s
            if not p.is_dir():
                parser.error(f"not a directory: {s}")
            srcs.append(p.resolve())
    else:
        srcs = _workspace_srcs(repo)

    found_any = False
    for src in srcs:
        crate = Analyzer(src).run()
        label = os.path.relpath(src, repo) if src.is_relative_to(repo) else str(src)
        name = crate.files
        if args.edges:
            print(f"{label}: edges")
            for a in sorted(crate.edges):
                for b, e in sorted(crate.edges[a].items()):
                    print(f"  {name[a]} -> {name[b]}    ({name[a]}:{e.line}: {e.text})")
        components = _cycles(crate.edges)
        if not components:
            print(f"{label}: no cycles ({len(crate.files)} files)")
            continue
        found_any = True
        total = sum(c[2] for c in components)
        print(f"{label}: {total} cycle{'s' * (total != 1)} in {len(components)} group{'s' * (len(components) != 1)}")
        for component, cycles, count, partial in components:
            print(f"  group: {', '.join(name[f] for f in component)}")
            for cycle in cycles:
                print("    " + " -> ".join(name[f] for f in cycle + [cycle[0]]))
                for a, b in zip(cycle, cycle[1:] + [cycle[0]]):
                    e = crate.edges[a][b]
                    print(f"        {name[a]}:{e.line}: {e.text}")
            if count > len(cycles) or partial:
                more = f"{'at least ' * partial}{count - len(cycles)}"
                print(f"    ... and {more} more cycles in this group")
    return 1 if found_any else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
