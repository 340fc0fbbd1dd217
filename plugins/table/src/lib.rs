//! The `table` renderer: draws the plan's `work` view as the ranked work
//! table (see [`work::render_work`]), with the cutline and the feasible line
//! marked and committed items that cannot be staffed flagged as short.

#![forbid(unsafe_code)]

// pub(crate) changes nothing here; it lets tests/benches/render.rs, which
// compiles this file natively as a module, reach them as `crate::format`
// and `crate::work`.
pub(crate) mod format;
pub(crate) mod work;

use planhost_guest::model::WorkView;
use planhost_guest::{PluginInfo, RenderError, RenderRequest, Renderer, export_renderer};

use crate::work::Units;

/// The plugin: no state, every render starts from the request.
struct Table;

impl Renderer for Table {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "table".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "The ranked work list as a table, with the cutline and feasible line"
                .into(),
            views: vec!["work".into()],
        }
    }

    fn render(request: RenderRequest) -> Result<String, RenderError> {
        render(&request)
    }
}

/// Draws `request.view`: what the plugin's `render` export does, callable
/// directly when this code is compiled natively.
pub fn render(request: &RenderRequest) -> Result<String, RenderError> {
    match request.view.as_str() {
        "work" => {
            let units = Units::from_request(request)?;
            work::render_work(&request.data::<WorkView>()?, units)
        }
        _ => Err(request.unknown_view()),
    }
}

export_renderer!(Table);

#[cfg(test)]
mod tests {
    use planhost_guest::{RenderError, RenderRequest, Renderer};

    use super::Table;

    const MINIMAL: &str = r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0}}"#;

    #[test]
    fn info_lists_the_work_view() {
        let info = Table::info();
        assert_eq!(info.name, "table");
        assert_eq!(info.views, ["work"]);
    }

    #[test]
    fn renders_the_work_view() {
        let html = Table::render(RenderRequest::new("work", MINIMAL, &[])).unwrap();
        assert!(html.starts_with(r#"<table id="work-table""#), "{html}");
    }

    #[test]
    fn unknown_view() {
        assert_eq!(
            Table::render(RenderRequest::new("staff", MINIMAL, &[])),
            Err(RenderError::UnknownView("staff".into()))
        );
    }

    #[test]
    fn invalid_data_and_options() {
        let result = Table::render(RenderRequest::new("work", r#"{"plan": {}}"#, &[]));
        assert!(matches!(result, Err(RenderError::InvalidData(ref t)) if t.contains("plan")));
        let result = Table::render(RenderRequest::new("work", MINIMAL, &[("units", "days")]));
        assert!(matches!(result, Err(RenderError::InvalidData(ref t)) if t.contains("units")));
    }
}
