//! The recording as a timeline (events, bookmarks) and the debug console's
//! `rewind` commands; signal names for exception filters and reports.

use super::error::DebuggerError;
use super::movement::Movement;
use super::places::Bookmark;
use super::views::{BookmarkView, CompletionKind, CompletionView, TimelineView};
use super::Debugger;

/// What a debug console line asks for.
pub enum Command {
    /// Text to show.
    Say(String),
    /// A movement whose stop is reported as usual.
    Move(Movement, String),
}

/// The console's command words, for completion.
const COMMAND_WORDS: [&str; 8] = [
    "event",
    "when",
    "goto-event",
    "bookmark",
    "bookmarks",
    "goto-bookmark",
    "checkpoints",
    "help",
];

const HELP: &str = "rewind commands (also as `rewind <command>`):
  event, when        the current event of the recording
  goto-event N       travel to event N (forwards or backwards)
  bookmark [NAME]    remember this position
  bookmarks          list bookmarks
  goto-bookmark ID   travel to a bookmark
  checkpoints        the checkpoint cache
  help               this list
Anything else is evaluated as an expression; write (event) for a variable called event.";

impl Debugger {
    /// `timeline`: where the session stands in the recording.
    pub fn timeline(&self) -> TimelineView {
        TimelineView {
            event_count: self.session.total_events(),
            current_event: self.session.event_index(),
            complete: self.session.recorded_exit().is_some(),
            bookmarks: self.bookmarks.iter().map(Bookmark::view).collect(),
        }
    }

    /// `bookmark`: remembers the current position.
    pub fn bookmark(&mut self, name: Option<String>) -> BookmarkView {
        let id = self.bookmarks.last().map_or(1, |b| b.id + 1);
        let position = self.session.position().clone();
        let name = name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("bookmark {id} (event {})", position.event));
        let bookmark = Bookmark { id, name, position };
        let view = bookmark.view();
        self.bookmarks.push(bookmark);
        view
    }

    /// The movement to a bookmark.
    pub fn bookmark_movement(&self, id: i64) -> Result<Movement, DebuggerError> {
        let b = self
            .bookmarks
            .iter()
            .find(|b| b.id == id)
            .ok_or_else(|| DebuggerError::Refused(format!("there is no bookmark {id}")))?;
        Ok(Movement::GotoPosition {
            position: b.position.clone(),
            what: format!("Bookmark: {}", b.name),
        })
    }

    /// The movement to event `n` (past the last one: the end).
    pub fn event_movement(&self, n: u64) -> Result<Movement, DebuggerError> {
        Ok(Movement::GotoEvent(n))
    }

    fn when(&self) -> String {
        let total = self
            .session
            .total_events()
            .map_or("?".into(), |t| t.to_string());
        let position = self.session.position();
        let mut text = format!(
            "event {} of {total}, thread {}{}",
            self.session.event_index(),
            self.session.current_tid(),
            if position.is_boundary() {
                String::new()
            } else {
                ", between it and the next event".to_owned()
            }
        );
        if let Ok(Some(event)) = self.next_event_text() {
            text.push_str(&format!("\nnext event: {event}"));
        }
        text
    }

    fn next_event_text(&self) -> Result<Option<String>, DebuggerError> {
        let mut events = self.reader.events()?;
        let index = self.session.event_index();
        let mut i = 0;
        while let Some(e) = events.next_event()? {
            if i == index {
                return Ok(Some(crate::cli::dump::line(i, &e).trim().to_owned()));
            }
            i += 1;
        }
        Ok(None)
    }

    /// `completions` for the debug console: command words at the start of
    /// the line, else names in scope (locals, parameters, globals) that
    /// start like the word under the cursor.
    pub fn completions(
        &mut self,
        text: &str,
        column: usize,
        frame_id: Option<i64>,
    ) -> Vec<CompletionView> {
        let cursor = column.saturating_sub(1).min(text.len());
        let before = text.get(..cursor).unwrap_or(text);
        let start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '$'))
            .map_or(0, |i| i + 1);
        let word = &before[start..];
        let length = cursor - start;
        let mut targets: Vec<CompletionView> = Vec::new();
        let line_start = before[..start].trim().is_empty() || before[..start].trim() == "rewind";
        if line_start {
            targets.extend(
                COMMAND_WORDS
                    .iter()
                    .filter(|c| c.starts_with(word))
                    .map(|c| CompletionView {
                        label: (*c).to_owned(),
                        kind: CompletionKind::Keyword,
                        start,
                        length,
                    }),
            );
        }
        let word = word.trim_start_matches('$');
        for (name, kind) in self.names_in_scope(frame_id) {
            if name.starts_with(word) && !targets.iter().any(|t| t.label == name) {
                targets.push(CompletionView {
                    label: name,
                    kind,
                    start,
                    length,
                });
            }
        }
        targets
    }

    /// A debug console line: a command, or `None` when it is an expression.
    pub fn console_command(&mut self, line: &str) -> Result<Option<Command>, DebuggerError> {
        let line = line.trim();
        let line = line.strip_prefix("rewind ").map(str::trim).unwrap_or(line);
        let (word, rest) = line
            .split_once(char::is_whitespace)
            .map(|(w, r)| (w, r.trim()))
            .unwrap_or((line, ""));
        let number = |what: &str| -> Result<u64, DebuggerError> {
            rest.parse()
                .map_err(|_| DebuggerError::Refused(format!("usage: {word} {what}")))
        };
        Ok(Some(match word {
            "event" | "when" if rest.is_empty() => Command::Say(self.when()),
            "goto-event" => {
                let n = number("N")?;
                Command::Move(self.event_movement(n)?, format!("travelling to event {n}"))
            }
            "bookmark" => {
                let b = self.bookmark((!rest.is_empty()).then(|| rest.to_owned()));
                Command::Say(format!("bookmark {}: {} (event {})", b.id, b.name, b.event))
            }
            "bookmarks" if rest.is_empty() => Command::Say(if self.bookmarks.is_empty() {
                "no bookmarks".into()
            } else {
                self.bookmarks
                    .iter()
                    .map(|b| format!("{}: {} (event {})", b.id, b.name, b.position.event))
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
            "goto-bookmark" => {
                let id = number("ID")? as i64;
                Command::Move(
                    self.bookmark_movement(id)?,
                    format!("travelling to bookmark {id}"),
                )
            }
            "checkpoints" if rest.is_empty() => {
                let s = self.session.checkpoint_stats();
                Command::Say(format!(
                    "{} checkpoints and {} anchors holding at least {:.1} MiB; budget: {:?}",
                    s.snapshots,
                    s.anchors,
                    s.bytes as f64 / (1024.0 * 1024.0),
                    s.budget
                ))
            }
            "help" if rest.is_empty() => Command::Say(HELP.into()),
            _ => return Ok(None),
        }))
    }
}
