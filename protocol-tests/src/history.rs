//! The last messages exchanged with the adapter, for failure messages.

use std::collections::VecDeque;
use std::fmt::Write;

/// How many messages are kept.
pub const KEEP: usize = 20;
/// Longest rendering of one message.
const MAX_CHARS: usize = 600;

#[derive(Debug, Default)]
pub struct History {
    entries: VecDeque<String>,
}

impl History {
    /// Records a message sent to the adapter.
    pub fn sent(&mut self, text: &str) {
        self.push(format!("--> {}", clip(text)));
    }

    /// Records a message received from the adapter.
    pub fn received(&mut self, text: &str) {
        self.push(format!("<-- {}", clip(text)));
    }

    /// Records something else that happened (a framing error, the end of stream).
    pub fn note(&mut self, text: &str) {
        self.push(format!("*** {}", clip(text)));
    }

    fn push(&mut self, entry: String) {
        if self.entries.len() == KEEP {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// The kept messages, oldest first, one a line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let _ = writeln!(out, "  {e}");
        }
        out
    }
}

fn clip(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(MAX_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}
