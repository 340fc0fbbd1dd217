//! The plugin registry: the built-in renderers embedded in the binary, and
//! those found in `--plugins` folders, by name. A folder's plugin overrides
//! a built-in of the same name; one that fails to load is reported and the
//! plugin it would have replaced keeps serving.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use wasmtime::{Cache, CacheConfig, Config, Engine};

use super::plugin::{EPOCH_TICK, Plugin, RenderFailure, RenderLimits};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_plugins.rs"));
}

/// Where a plugin came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    BuiltIn,
    File(PathBuf),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::BuiltIn => f.write_str("built-in"),
            Source::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A plugin as `planhost plugins` and `GET /api/plugins` list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listing {
    pub name: String,
    pub version: String,
    pub description: String,
    pub views: Vec<String>,
    pub source: String,
    /// `ok`, or why the plugin could not be loaded.
    pub status: String,
}

struct Loaded {
    plugin: Arc<Plugin>,
    source: Source,
}

/// Every renderer the server can use.
pub struct Registry {
    engine: Engine,
    limits: RenderLimits,
    plugins: BTreeMap<String, Loaded>,
    failures: Vec<Listing>,
}

impl Registry {
    /// Loads the built-in plugins, then every `*.wasm` in `folders`.
    /// `cache` holds compiled code so a second start does not recompile.
    pub fn load(
        folders: &[PathBuf],
        limits: RenderLimits,
        cache: Option<&Path>,
    ) -> anyhow::Result<Registry> {
        let engine = new_engine(cache)?;
        let mut registry =
            Registry { engine, limits, plugins: BTreeMap::new(), failures: Vec::new() };
        for (name, bytes) in builtin::PLUGINS {
            match Plugin::load(&registry.engine, bytes, limits) {
                Ok(plugin) => registry.insert(plugin, Source::BuiltIn),
                Err(error) => registry.fail(name, Source::BuiltIn, format!("{error:#}")),
            }
        }
        for folder in folders {
            let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
                .map_err(|e| anyhow::anyhow!("plugins folder {}: {e}", folder.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
                .collect();
            files.sort();
            for path in files {
                registry.load_file(&path);
            }
        }
        Ok(registry)
    }

    fn load_file(&mut self, path: &Path) {
        let stem = path.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        let source = Source::File(path.to_owned());
        let loaded = match std::fs::read(path) {
            Ok(bytes) => {
                Plugin::load(&self.engine, &bytes, self.limits).map_err(|e| format!("{e:#}"))
            }
            Err(error) => Err(format!("cannot read: {error}")),
        };
        match loaded {
            Ok(plugin) => self.insert(plugin, source),
            Err(error) => self.fail(&stem, source, error),
        }
    }

    fn insert(&mut self, plugin: Plugin, source: Source) {
        let name = plugin.info().name.clone();
        self.plugins.insert(name, Loaded { plugin: Arc::new(plugin), source });
    }

    fn fail(&mut self, name: &str, source: Source, error: String) {
        tracing::error!("plugin {name} ({source}) failed to load: {error}");
        self.failures.push(Listing {
            name: name.to_owned(),
            version: String::new(),
            description: String::new(),
            views: Vec::new(),
            source: source.to_string(),
            status: error,
        });
    }

    /// Every plugin, loaded or not, sorted by name.
    pub fn list(&self) -> Vec<Listing> {
        let mut list: Vec<Listing> = self
            .plugins
            .values()
            .map(|loaded| {
                let info = loaded.plugin.info();
                Listing {
                    name: info.name.clone(),
                    version: info.version.clone(),
                    description: info.description.clone(),
                    views: info.views.clone(),
                    source: loaded.source.to_string(),
                    status: "ok".into(),
                }
            })
            .chain(self.failures.iter().cloned())
            .collect();
        list.sort_by(|a, b| (&a.name, &a.source).cmp(&(&b.name, &b.source)));
        list
    }

    /// Renders `view` with the plugin called `name`.
    pub fn render(
        &self,
        name: &str,
        view: &str,
        data: &str,
        options: &[(String, String)],
    ) -> Result<String, RenderFailure> {
        let Some(loaded) = self.plugins.get(name) else {
            return Err(RenderFailure {
                plugin: name.to_owned(),
                reason: "no such renderer".into(),
            });
        };
        loaded.plugin.render(view, data, options, self.limits)
    }
}

/// An engine that interrupts guests at epoch deadlines; a thread advances
/// the epoch every [`EPOCH_TICK`] for as long as the engine lives.
fn new_engine(cache: Option<&Path>) -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true).epoch_interruption(true);
    if let Some(directory) = cache {
        let mut cache_config = CacheConfig::new();
        cache_config.with_directory(directory);
        let cache = Cache::new(cache_config).map_err(|e| anyhow::anyhow!("plugin cache: {e:#}"))?;
        config.cache(Some(cache));
    }
    let engine = Engine::new(&config).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let weak = engine.weak();
    std::thread::Builder::new().name("planhost-epoch".into()).spawn(move || {
        while let Some(engine) = weak.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(EPOCH_TICK);
        }
    })?;
    Ok(engine)
}

/// Where compiled plugins are cached: `$XDG_CACHE_HOME/planhost` or
/// `~/.cache/planhost`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("planhost").join("wasmtime"))
}
