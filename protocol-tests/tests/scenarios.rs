//! Runs every scenario file of scenarios/ against the real `rewind dap`, each
//! as its own test. The adapter is `$REWIND_BIN`, else target/debug/rewind
//! (built by `cargo test --workspace`); the fixtures are built once per process.

use std::collections::BTreeSet;
use std::path::Path;

use rewind_protocol_tests::locate;
use rewind_protocol_tests::scenario::{scenario_files, Runner, Scenario};

fn run(file: &str) {
    run_path(&locate::scenarios_dir().join(file));
}

fn run_path(path: &Path) {
    let file = path.display();
    let bin = locate::adapter_binary().unwrap_or_else(|e| panic!("{e}"));
    let build = rewind_test_support::fixtures_build();
    let scenario = Scenario::load(path).unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(
        bin,
        build.to_path_buf(),
        rewind_test_support::fixtures_src(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(runner.run(&scenario)) {
        panic!("scenario {file} ({}) failed:\n{e}", scenario.name);
    }
}

macro_rules! scenarios {
    ($($test:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                run($file);
            }
        )*
        /// The files the tests above run.
        const LISTED: &[&str] = &[$($file),*];
    };
}

scenarios! {
    attach_trace => "attach_trace.json",
    breakpoint_conditions => "breakpoint_conditions.json",
    breakpoint_locations => "breakpoint_locations.json",
    completions => "completions.json",
    data_breakpoint_address => "data_breakpoint_address.json",
    data_breakpoint_total => "data_breakpoint_total.json",
    entry_main => "entry_main.json",
    entry_stops => "entry_stops.json",
    evaluate => "evaluate.json",
    exec_breakpoint => "exec_breakpoint.json",
    function_instruction_breakpoints => "function_instruction_breakpoints.json",
    goto_targets => "goto_targets.json",
    handshake => "handshake.json",
    hex_format => "hex_format.json",
    hit_counts => "hit_counts.json",
    launch_cancel => "launch_cancel.json",
    launch_errors => "launch_errors.json",
    launch_output => "launch_output.json",
    launch_stdin => "launch_stdin.json",
    launch_trace => "launch_trace.json",
    library_breakpoint => "library_breakpoint.json",
    loop_continue_reverse => "loop_continue_reverse.json",
    malformed_input => "malformed_input.json",
    memory_disassemble => "memory_disassemble.json",
    modules_sources => "modules_sources.json",
    mt_small_threads => "mt_small_threads.json",
    optional_arguments => "optional_arguments.json",
    pause => "pause.json",
    progress => "progress.json",
    progress_recording => "progress_recording.json",
    repl_commands => "repl_commands.json",
    restart_frame => "restart_frame.json",
    restart_terminate_disconnect => "restart_terminate_disconnect.json",
    rust_main_stepping => "rust_main_stepping.json",
    reverse_step_in_out => "reverse_step_in_out.json",
    segfault => "segfault.json",
    set_variable_refused => "set_variable_refused.json",
    step_back_deep_loop => "step_back_deep_loop.json",
    step_back_into_caller => "step_back_into_caller.json",
    step_in_out => "step_in_out.json",
    tcp_transport => "tcp_transport.json",
    timeline_bookmarks => "timeline_bookmarks.json",
}

#[test]
fn every_scenario_file_has_a_test() {
    let on_disk: BTreeSet<String> = scenario_files(&locate::scenarios_dir())
        .expect("read scenarios/")
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = LISTED.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        on_disk, listed,
        "scenarios/ and the scenarios! list in tests/scenarios.rs differ"
    );
}

/// `REWIND_SCENARIO=path/to/file.json cargo test -p rewind-protocol-tests
/// --test scenarios adhoc` runs one scenario file from anywhere (for writing
/// new ones); without the variable this test does nothing.
#[test]
fn adhoc_scenario_from_env() {
    if let Some(path) = std::env::var_os("REWIND_SCENARIO") {
        run_path(Path::new(&path));
    }
}
