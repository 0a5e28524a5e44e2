//! typify and progenitor assert on documents they cannot read; the
//! generator turns such a panic into an error naming the document, without
//! the panic's message on stderr. At the bottom of the generator: the
//! client, the types and codegen use it.

thread_local! {
    /// Whether this thread is inside [`quiet_catch_unwind`].
    static CATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic into `Err(message)` without printing it. The
/// panic hook is installed once for the process and stays quiet only for
/// the thread that is inside this function, so panics elsewhere (other
/// tests running in parallel) are reported as usual.
pub fn quiet_catch_unwind<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    // Calls nest (codegen guards the whole generation, and each typify
    // call inside it): the outer one stays quiet after an inner one returns.
    let outer = CATCHING.with(|c| c.replace(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(outer));
    outcome.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string())
    })
}
