//! The `tracks` renderer: draws the plan's `tracks` view as one table of
//! work grouped by track (see [`tracks::render_tracks`]): each track's
//! committed demand per skill, split by triage level, and its items with
//! those below the cutline marked as not committed.

#![forbid(unsafe_code)]

mod tracks;

use planhost_guest::format::Units;
use planhost_guest::model::TracksView;
use planhost_guest::{PluginInfo, RenderError, RenderRequest, Renderer, export_renderer};

/// The plugin: no state, every render starts from the request.
struct Tracks;

impl Renderer for Tracks {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "tracks".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Work grouped by track, with committed demand per skill and triage level"
                .into(),
            views: vec!["tracks".into()],
        }
    }

    fn render(request: RenderRequest) -> Result<String, RenderError> {
        match request.view.as_str() {
            "tracks" => {
                let units = Units::from_request(&request)?;
                tracks::render_tracks(&request.data::<TracksView>()?, units)
            }
            _ => Err(request.unknown_view()),
        }
    }
}

export_renderer!(Tracks);

#[cfg(test)]
mod tests {
    use planhost_guest::{RenderError, RenderRequest, Renderer};

    use super::Tracks;

    const MINIMAL: &str = r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0}}"#;

    #[test]
    fn info_lists_the_tracks_view() {
        let info = Tracks::info();
        assert_eq!(info.name, "tracks");
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert!(!info.description.is_empty());
        assert_eq!(info.views, ["tracks"]);
    }

    #[test]
    fn renders_the_tracks_view() {
        let html = Tracks::render(RenderRequest::new("tracks", MINIMAL, &[])).unwrap();
        assert!(html.starts_with(r#"<table id="tracks-table""#), "{html}");
        let html =
            Tracks::render(RenderRequest::new("tracks", MINIMAL, &[("units", "people")])).unwrap();
        assert!(html.contains("in people"), "{html}");
    }

    #[test]
    fn unknown_view() {
        assert_eq!(
            Tracks::render(RenderRequest::new("work", MINIMAL, &[])),
            Err(RenderError::UnknownView("work".into()))
        );
    }

    #[test]
    fn invalid_data_and_options() {
        let result = Tracks::render(RenderRequest::new("tracks", r#"{"plan": {}}"#, &[]));
        assert!(matches!(result, Err(RenderError::InvalidData(ref t)) if t.contains("plan")));
        let data = r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0},
                       "tracks": [{"name": "Core", "triage": [{"triage": 1, "count": "x"}]}]}"#;
        let result = Tracks::render(RenderRequest::new("tracks", data, &[]));
        assert!(
            matches!(result, Err(RenderError::InvalidData(ref t)) if t.contains("tracks[1].triage[1].count")),
            "{result:?}"
        );
        let result = Tracks::render(RenderRequest::new("tracks", MINIMAL, &[("units", "days")]));
        assert!(matches!(result, Err(RenderError::InvalidData(ref t)) if t.contains("units")));
    }
}
