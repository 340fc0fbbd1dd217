//! The registry in use, swapped atomically when plugin folders change:
//! a render takes the current registry and finishes on it even if a swap
//! happens meanwhile.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use super::registry::{Listing, Registry};

/// The current registry, shared by everything that renders or lists.
pub struct Renderers {
    current: RwLock<Arc<Registry>>,
    folders: Vec<PathBuf>,
}

impl Renderers {
    /// Serves `registry`, loaded from `folders` (reloads read them again).
    pub fn new(registry: Registry, folders: Vec<PathBuf>) -> Renderers {
        Renderers { current: RwLock::new(Arc::new(registry)), folders }
    }

    /// The registry in use now.
    pub fn current(&self) -> Arc<Registry> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Every plugin, loaded or not.
    pub fn list(&self) -> Vec<Listing> {
        self.current().list()
    }

    /// The folders plugins are loaded from.
    pub fn folders(&self) -> &[PathBuf] {
        &self.folders
    }

    /// Reads the folders again (compiling what changed; blocking) and
    /// swaps the result in. Returns the load failures of the new registry.
    pub fn reload(&self) -> anyhow::Result<Vec<Listing>> {
        let next = self.current().reload(&self.folders)?;
        let failures = next.failures().to_vec();
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
        Ok(failures)
    }
}
