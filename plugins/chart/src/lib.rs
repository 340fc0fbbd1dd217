//! The `chart` renderer: draws the plan's `chart` view (see
//! [`chart::render_chart`]) as an inline SVG of running demand against
//! supply per skill down the ranking, with the cutline and feasible line.

#![forbid(unsafe_code)]

mod chart;

use planhost_guest::format::Units;
use planhost_guest::model::ChartView;
use planhost_guest::{PluginInfo, RenderError, RenderRequest, Renderer, export_renderer};

/// The plugin: no state, every render starts from the request.
struct Chart;

impl Renderer for Chart {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "chart".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Running demand against supply per skill down the ranking, as SVG".into(),
            views: vec!["chart".into()],
        }
    }

    fn render(request: RenderRequest) -> Result<String, RenderError> {
        match request.view.as_str() {
            "chart" => {
                let units = Units::from_request(&request)?;
                chart::render_chart(&request.data::<ChartView>()?, units)
            }
            _ => Err(request.unknown_view()),
        }
    }
}

export_renderer!(Chart);

#[cfg(test)]
mod tests {
    use planhost_guest::{RenderError, RenderRequest, Renderer};

    use super::Chart;

    const MINIMAL: &str = r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0}}"#;

    #[test]
    fn info_lists_the_chart_view() {
        let info = Chart::info();
        assert_eq!(info.name, "chart");
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert!(!info.description.is_empty());
        assert_eq!(info.views, ["chart"]);
    }

    #[test]
    fn renders_the_chart_view() {
        let html = Chart::render(RenderRequest::new("chart", MINIMAL, &[])).unwrap();
        assert!(html.starts_with(r#"<figure id="chart" class="chart"><svg"#), "{html}");
        let html =
            Chart::render(RenderRequest::new("chart", MINIMAL, &[("units", "people")])).unwrap();
        assert!(html.contains("per skill in people"), "{html}");
    }

    #[test]
    fn unknown_view() {
        assert_eq!(
            Chart::render(RenderRequest::new("work", MINIMAL, &[])),
            Err(RenderError::UnknownView("work".into()))
        );
    }

    #[test]
    fn invalid_data_and_options() {
        let result = Chart::render(RenderRequest::new("chart", r#"{"plan": {}}"#, &[]));
        assert!(matches!(result, Err(RenderError::InvalidData(ref t)) if t.contains("plan")));
        let data = r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0},
                       "items": [{"id": 1, "name": "A", "rank": 1, "running": {"Web": "x"}}]}"#;
        let result = Chart::render(RenderRequest::new("chart", data, &[]));
        assert!(
            matches!(result, Err(RenderError::InvalidData(ref t)) if t.contains("items[1].running.Web")),
            "{result:?}"
        );
        let result = Chart::render(RenderRequest::new("chart", MINIMAL, &[("units", "days")]));
        assert!(matches!(result, Err(RenderError::InvalidData(ref t)) if t.contains("units")));
    }
}
