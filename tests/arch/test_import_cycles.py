"""Tests of import_cycles.py on small made-up crates: `python3 -m unittest tests/arch/test_import_cycles.py`."""

import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import import_cycles  # noqa: E402


def graph(files: dict[str, str]) -> dict[str, set[str]]:
    """Writes a crate's src/ and returns its edges as {file: {file, ..}}."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        for name, text in files.items():
            path = src / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        crate = import_cycles.Analyzer(src).run()
        return {
            crate.files[a]: {crate.files[b] for b in out}
            for a, out in crate.edges.items()
        }


class Edges(unittest.TestCase):
    def test_mod_declaration_is_not_an_edge_but_super_use_is(self):
        g = graph({"lib.rs": "mod a;\npub struct E;\n", "a.rs": "use super::E;\n"})
        self.assertEqual(g, {"a.rs": {"lib.rs"}})

    def test_reexport_and_child_use_make_a_cycle(self):
        files = {"lib.rs": "mod a;\npub use a::X;\npub struct E;\n", "a.rs": "pub struct X(super::E);\n"}
        g = graph(files)
        self.assertEqual(g, {"lib.rs": {"a.rs"}, "a.rs": {"lib.rs"}})

    def test_paths_stop_at_the_deepest_module_file(self):
        g = graph(
            {
                "lib.rs": "mod a;\nmod c;\n",
                "a/mod.rs": "mod b;\n",
                "a/b.rs": "pub fn f() {}\n",
                "c.rs": "fn g() { crate::a::b::f(); crate::a::Item; }\n",
            }
        )
        self.assertEqual(g, {"c.rs": {"a/b.rs", "a/mod.rs"}})

    def test_use_trees_globs_self_and_renames(self):
        g = graph(
            {
                "lib.rs": "mod a;\nmod b;\nmod c;\nmod d;\n",
                "a.rs": "use crate::{b::{self, X as Y}, c::*};\nuse std::{fmt, io};\n",
                "b.rs": "",
                "c.rs": "",
                "d.rs": "use super::a as z;\n",
            }
        )
        self.assertEqual(g, {"a.rs": {"b.rs", "c.rs"}, "d.rs": {"a.rs"}})

    def test_comments_strings_macros_and_foreign_paths_are_not_edges(self):
        g = graph(
            {
                "lib.rs": "mod a;\nmod b;\n",
                "a.rs": """
                    //! See [`crate::b::X`].
                    /* crate::b::f() */
                    const S: &str = "crate::b::f()";
                    const R: &str = r#"super::b"#;
                    const C: char = '"';
                    macro_rules! m { () => { $crate::b::f() }; }
                    fn f<'a>(x: &'a str) { std::b::f(); x.b::<u8>(); }
                """,
                "b.rs": "",
            }
        )
        self.assertEqual(g, {})

    def test_child_module_paths_in_code(self):
        g = graph({"lib.rs": "mod a;\nfn f() { a::g(); }\n", "a.rs": "pub fn g() {}\n"})
        self.assertEqual(g, {"lib.rs": {"a.rs"}})

    def test_inline_modules_resolve_super_from_themselves(self):
        g = graph(
            {
                "lib.rs": "mod a;\nmod b;\n",
                "a.rs": """
                    mod tests { use super::*; use super::super::b::X; }
                    mod inner { mod deep; }
                """,
                "a/inner/deep.rs": "use super::super::Y;\n",
                "b.rs": "",
            }
        )
        # `super::super` from a/inner/deep.rs is `crate::a`, whose file is a.rs.
        self.assertEqual(g, {"a.rs": {"b.rs"}, "a/inner/deep.rs": {"a.rs"}})

    def test_cycles_are_found_with_their_lines(self):
        files = {
            "lib.rs": "mod a;\nmod b;\nmod c;\n",
            "a.rs": "use crate::b::X;\n",
            "b.rs": "\nuse crate::c::Y;\n",
            "c.rs": "fn f() { crate::a::g(); }\n",
        }
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "src"
            src.mkdir()
            for name, text in files.items():
                (src / name).write_text(text)
            crate = import_cycles.Analyzer(src).run()
            [(component, cycles, total, partial)] = import_cycles._cycles(crate.edges)
            self.assertEqual([crate.files[f] for f in component], ["a.rs", "b.rs", "c.rs"])
            self.assertEqual((total, partial), (1, False))
            self.assertEqual([crate.files[f] for f in cycles[0]], ["a.rs", "b.rs", "c.rs"])
            self.assertEqual(crate.edges[src / "b.rs"][src / "c.rs"].line, 2)


if __name__ == "__main__":
    unittest.main()
