//! The plugin registry: the built-in renderers embedded in the binary, and
//! those found in `--plugins` folders, by name. A folder's plugin overrides
//! a built-in of the same name (until its file goes); one that fails to
//! load is reported and the plugin it would have replaced keeps serving.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};
use wasmtime::{Cache, CacheConfig, Config, Engine};

use super::plugin::{EPOCH_TICK, Plugin, RenderFailure, RenderLimits, one_line};
use super::pool::{self, Slots};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_plugins.rs"));
}

/// The largest `.wasm` file a plugins folder may hold. The built-in
/// renderers are 250-300 KiB, so this leaves a real renderer (even one
/// built with debug info) room to spare, while a stray huge file, or a
/// sparse one claiming gigabytes, is refused before it is read into memory.
pub const MAX_PLUGIN_FILE_BYTES: u64 = 64 << 20;

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
    /// The built-in plugins as loaded at start, kept apart from `plugins`
    /// so a reload brings one back when the file that overrode it goes.
    builtins: BTreeMap<String, Loaded>,
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
            builtins: BTreeMap::new(),
            plugins: BTreeMap::new(),
            failures: Vec::new(),
        };
        for (name, bytes) in builtin::PLUGINS {
            match Plugin::load(&registry.engine, &registry.slots, bytes, limits) {
                Ok(plugin) => registry.insert(Arc::new(plugin), Source::BuiltIn, None),
                Err(error) => registry.fail(name, Source::BuiltIn, format!("{error:#}")),
            }
        }
        registry.builtins = registry.plugins.clone();
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
            builtins: self.builtins.clone(),
            // Every built-in, including one a file overrode in this registry.
            plugins: self.builtins.clone(),
            failures: self.failures.iter().filter(|f| f.source == "built-in").cloned().collect(),
        };
        for folder in folders {
            // A folder gone while serving takes its plugins with it (a
            // built-in one overrode comes back), and is listed as failed
            // until it is back.
            let paths = match wasm_files(folder) {
                Ok(paths) => paths,
                Err(error) => {
                    let name = folder
                        .file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                    next.fail(&name, Source::File(folder.clone()), format!("{error:#}"));
                    continue;
                }
            };
            for path in paths {
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
        let bytes = match read_limited(path, MAX_PLUGIN_FILE_BYTES) {
            Ok(bytes) => bytes,
            Err(error) => return self.fail_keeping(&stem, source, error, previous),
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

/// A file's bytes, or why not: its size is checked before reading (and
/// the read stops past `max`, should it grow meanwhile), so a huge file is
/// never held in memory.
fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let limit = format!("the limit of {max} bytes ({} MiB)", max >> 20);
    let cannot_read = |error: std::io::Error| format!("cannot read: {error}");
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    let size = file.metadata().map_err(cannot_read)?.len();
    if size > max {
        return Err(format!("too large: {size} bytes, over {limit}"));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(max + 1).read_to_end(&mut bytes).map_err(cannot_read)?;
    if bytes.len() as u64 > max {
        return Err(format!("too large: it grew past {limit} while being read"));
    }
    Ok(bytes)
}

/// The `.wasm` files of a plugins folder, sorted.
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
        // A home that cannot be written (a service account's, say) costs
        // a compile of each plugin at every start, not the start itself.
        match Cache::new(cache_config) {
            Ok(cache) => {
                config.cache(Some(cache));
            }
            Err(error) => tracing::warn!(
                "plugin cache {}: {error:#}; compiling plugins without it",
                directory.display()
            ),
        }
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::{Registry, builtin, read_limited};
    use crate::render::RenderLimits;

    /// A fresh folder under the temp dir, removed on drop.
    struct Folder(PathBuf);

    impl Folder {
        fn new(label: &str) -> Folder {
            let path = std::env::temp_dir()
                .join(format!("planhost-registry-{label}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            Folder(path)
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn source_of(registry: &Registry, name: &str) -> String {
        let list = registry.list();
        let found = list.iter().find(|p| p.name == name && p.status == "ok");
        found.unwrap_or_else(|| panic!("{name} not loaded: {list:?}")).source.clone()
    }

    #[test]
    fn a_removed_override_brings_the_built_in_back() {
        let folder = Folder::new("override");
        let builtin_bytes =
            |name: &str| builtin::PLUGINS.iter().find(|(n, _)| *n == name).expect("a built-in").1;
        for name in ["table", "chart"] {
            std::fs::write(folder.0.join(format!("{name}.wasm")), builtin_bytes(name)).unwrap();
        }
        let folders = [folder.0.clone()];
        let registry = Registry::load(&folders, RenderLimits::default(), None).unwrap();
        for name in ["table", "chart"] {
            let file = folder.0.join(format!("{name}.wasm"));
            assert_eq!(source_of(&registry, name), file.display().to_string());
        }
        // A reload with the files still there keeps them overriding.
        let registry = registry.reload(&folders).unwrap();
        assert_eq!(
            source_of(&registry, "table"),
            folder.0.join("table.wasm").display().to_string()
        );

        std::fs::remove_file(folder.0.join("table.wasm")).unwrap();
        let registry = registry.reload(&folders).unwrap();
        assert_eq!(source_of(&registry, "table"), "built-in");
        assert_eq!(
            source_of(&registry, "chart"),
            folder.0.join("chart.wasm").display().to_string()
        );
        std::fs::remove_file(folder.0.join("chart.wasm")).unwrap();
        let registry = registry.reload(&folders).unwrap();
        assert_eq!(source_of(&registry, "chart"), "built-in");
        assert_eq!(registry.renderers_of("work"), ["table"]);
        assert!(registry.failures().is_empty(), "{:?}", registry.failures());
    }

    #[test]
    fn a_file_over_the_limit_is_refused_before_it_is_read() {
        let folder = Folder::new("limit");
        let path = folder.0.join("big.wasm");
        let file = std::fs::File::create(&path).unwrap();
        // Sparse: claims 4 GiB without taking the disk space.
        file.set_len(4 << 30).unwrap();
        let max = 1 << 20;
        assert_eq!(
            read_limited(&path, max).unwrap_err(),
            "too large: 4294967296 bytes, over the limit of 1048576 bytes (1 MiB)"
        );
        file.set_len(max + 1).unwrap();
        assert!(read_limited(&path, max).unwrap_err().starts_with("too large: 1048577 bytes"));
        file.set_len(max).unwrap();
        assert_eq!(read_limited(&path, max).unwrap().len() as u64, max);
    }
}
