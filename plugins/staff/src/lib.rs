//! The `staff` renderer: draws the plan's `staff` view (see
//! [`staff::render_staff`]) as supply, committed demand and net per skill,
//! short skills highlighted, and the team's people grouped by skill.

#![forbid(unsafe_code)]

mod staff;

use planhost_guest::format::Units;
use planhost_guest::model::StaffView;
use planhost_guest::{PluginInfo, RenderError, RenderRequest, Renderer, export_renderer};

/// The plugin: no state, every render starts from the request.
struct Staff;

impl Renderer for Staff {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "staff".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "People grouped by skill, and supply, demand and net per skill".into(),
            views: vec!["staff".into()],
        }
    }

    fn render(request: RenderRequest) -> Result<String, RenderError> {
        match request.view.as_str() {
            "staff" => {
                let units = Units::from_request(&request)?;
                staff::render_staff(&request.data::<StaffView>()?, units)
            }
            _ => Err(request.unknown_view()),
        }
    }
}

export_renderer!(Staff);

#[cfg(test)]
mod tests {
    use planhost_guest::{RenderError, RenderRequest, Renderer};

    use super::Staff;

    const MINIMAL: &str = r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0}}"#;

    #[test]
    fn info_lists_the_staff_view() {
        let info = Staff::info();
        assert_eq!(info.name, "staff");
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert!(!info.description.is_empty());
        assert_eq!(info.views, ["staff"]);
    }

    #[test]
    fn renders_the_staff_view() {
        let html = Staff::render(RenderRequest::new("staff", MINIMAL, &[])).unwrap();
        assert!(html.starts_with(r#"<table id="staff-summary""#), "{html}");
        let html =
            Staff::render(RenderRequest::new("staff", MINIMAL, &[("units", "people")])).unwrap();
        assert!(html.contains("in people"), "{html}");
    }

    #[test]
    fn unknown_view() {
        assert_eq!(
            Staff::render(RenderRequest::new("tracks", MINIMAL, &[])),
            Err(RenderError::UnknownView("tracks".into()))
        );
    }

    #[test]
    fn invalid_data_and_options() {
        let result = Staff::render(RenderRequest::new("staff", r#"{"plan": {}}"#, &[]));
        assert!(matches!(result, Err(RenderError::InvalidData(ref t)) if t.contains("plan")));
        let data = r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0},
                       "people": [{"id": 1, "name": "Ann", "skills": {"Web": "half"}}]}"#;
        let result = Staff::render(RenderRequest::new("staff", data, &[]));
        assert!(
            matches!(result, Err(RenderError::InvalidData(ref t)) if t.contains("people[1].skills.Web")),
            "{result:?}"
        );
        let result = Staff::render(RenderRequest::new("staff", MINIMAL, &[("units", "days")]));
        assert!(matches!(result, Err(RenderError::InvalidData(ref t)) if t.contains("units")));
    }
}
