//! Places the user can travel back to: bookmarks and goto targets.

use rewind_engine::session::Position;

use super::views::BookmarkView;

/// A remembered position.
#[derive(Debug, Clone)]
pub struct Bookmark {
    pub id: i64,
    pub name: String,
    pub position: Position,
}

impl Bookmark {
    pub(super) fn view(&self) -> BookmarkView {
        BookmarkView {
            id: self.id,
            name: self.name.clone(),
            event: self.position.event,
        }
    }
}

/// A `gotoTargets` entry: run to `addresses`, forwards or backwards.
#[derive(Debug, Clone)]
pub struct GotoTarget {
    pub addresses: Vec<u64>,
    pub backwards: bool,
    pub label: String,
}
