//! The plugin registry: the built-in renderers embedded in the binary, and
//! those found in `--plugins` folders, by name. A folder's plugin overrides
//! a built-in of the same name; one that fails to load is reported and the
//! plugin it would have replaced keeps serving.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};
use wasmtime::{Cache, CacheConfig, Config, Engine};

use super::plugin::{EPOCH_TICK, Plugin, RenderFailure, RenderLimits};
use super::pool::{self, Slots};

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

#[derive(Clone)]
struct Loaded {
    plugin: Arc<Plugin>,
    source: Source,
    /// SHA-256 of a file plugin's bytes, to skip recompiling an unchanged file.
    digest: Option<[u8; 32]>,
}

/// Every renderer the server can use.
#[derive(Clone)]
pub struct Registry {
    engine: Engine,
    /// The instance slots of `engine`'s pool.
    slots: Arc<Slots>,
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
        let engine = new_engine(cache, limits)?;
        let mut registry = Registry {
            engine,
            slots: Slots::new(),
            limits,
            plugins: BTreeMap::new(),
            failures: Vec::new(),
        };
        for (name, bytes) in builtin::PLUGINS {
            match Plugin::load(&registry.engine, &registry.slots, bytes, limits) {
                Ok(plugin) => registry.insert(Arc::new(plugin), Source::BuiltIn, None),
                Err(error) => registry.fail(name, Source::BuiltIn, format!("{error:#}")),
            }
        }
        for folder in folders {
            for path in wasm_files(folder)? {
                registry.load_file(&path, None);
            }
        }
        Ok(registry)
    }

    /// A new registry for the folders' current contents, built from this
    /// one: built-ins and unchanged files are reused without recompiling;
    /// a file that fails to load is reported, and the version this registry
    /// loaded from that path (if any) keeps serving.
    pub fn reload(&self, folders: &[PathBuf]) -> anyhow::Result<Registry> {
        let mut next = Registry {
            engine: self.engine.clone(),
            slots: self.slots.clone(),
            limits: self.limits,
            plugins: BTreeMap::new(),
            failures: self.failures.iter().filter(|f| f.source == "built-in").cloned().collect(),
        };
        for loaded in self.plugins.values().filter(|l| l.source == Source::BuiltIn) {
            next.plugins.insert(loaded.plugin.info().name.clone(), loaded.clone());
        }
        for folder in folders {
            for path in wasm_files(folder)? {
                let previous =
                    self.plugins.values().find(|l| l.source == Source::File(path.clone()));
                next.load_file(&path, previous);
            }
        }
        Ok(next)
    }

    /// Loads one file; `previous` is what was loaded from the same path
    /// before (reused if the bytes are unchanged, kept if the file fails).
    fn load_file(&mut self, path: &Path, previous: Option<&Loaded>) {
        let stem = path.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        let source = Source::File(path.to_owned());
        // A pipe or device named `.wasm` would block the read for ever.
        if let Ok(meta) = std::fs::metadata(path)
            && !meta.is_file()
        {
            return self.fail_keeping(&stem, source, "not a regular file".into(), previous);
        }
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                return self.fail_keeping(&stem, source, format!("cannot read: {error}"), previous);
            }
        };
        let digest: [u8; 32] = Sha256::digest(&bytes).into();
        if let Some(previous) = previous.filter(|p| p.digest == Some(digest)) {
            return self.insert_file(previous.clone());
        }
        match Plugin::load(&self.engine, &self.slots, &bytes, self.limits) {
            Ok(plugin) => {
                self.insert_file(Loaded { plugin: Arc::new(plugin), source, digest: Some(digest) })
            }
            Err(error) => {
                self.fail_keeping(&stem, source, one_line(&format!("{error:#}")), previous)
            }
        }
    }

    /// Adds a plugin loaded from a file, unless another file of the folders
    /// already gave a plugin that name (the first file in path order keeps
    /// it; a file's plugin replaces a built-in one of its name).
    fn insert_file(&mut self, loaded: Loaded) {
        let name = loaded.plugin.info().name.clone();
        if let Some(holder) = self.plugins.get(&name).filter(|l| l.source != Source::BuiltIn) {
            let error = format!("the name '{name}' is taken by {}", holder.source);
            return self.fail(&name, loaded.source, error);
        }
        self.plugins.insert(name, loaded);
    }

    fn fail_keeping(
        &mut self,
        name: &str,
        source: Source,
        error: String,
        previous: Option<&Loaded>,
    ) {
        if let Some(previous) = previous {
            tracing::warn!("{source}: the version loaded before keeps serving");
            self.insert_file(previous.clone());
        }
        self.fail(name, source, error);
    }

    fn insert(&mut self, plugin: Arc<Plugin>, source: Source, digest: Option<[u8; 32]>) {
        let name = plugin.info().name.clone();
        self.plugins.insert(name, Loaded { plugin, source, digest });
    }

    /// The plugins that failed to load, as listed.
    pub fn failures(&self) -> &[Listing] {
        &self.failures
    }

    /// The names of the loaded plugins that can render `view`.
    pub fn renderers_of(&self, view: &str) -> Vec<String> {
        self.plugins
            .iter()
            .filter(|(_, loaded)| loaded.plugin.info().views.iter().any(|v| v == view))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Whether a plugin called `name` is loaded.
    pub fn has(&self, name: &str) -> bool {
        self.plugins.contains_key(name)
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

/// The `.wasm` files of a plugins folder, sorted.
/// Error text on one line, at most 600 characters: wasmtime's errors
/// spread byte arrays over dozens of lines, which broke the listing, the
/// log line and the `plugins/errors` entries.
fn one_line(text: &str) -> String {
    const MAX: usize = 600;
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &joined[..cut]),
        None => joined,
    }
}

fn wasm_files(folder: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| anyhow::anyhow!("plugins folder {}: {e}", folder.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .collect();
    files.sort();
    Ok(files)
}

/// An engine that interrupts guests at epoch deadlines and takes instances
/// from a pool sized for `limits` (see [`pool`]); a thread advances the
/// epoch every [`EPOCH_TICK`] for as long as the engine lives.
fn new_engine(cache: Option<&Path>, limits: RenderLimits) -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true).epoch_interruption(true);
    pool::configure(&mut config, limits);
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
