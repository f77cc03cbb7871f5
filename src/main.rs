//! The `cmos` binary: parse, run, exit with the code of the outcome.

fn main() {
    std::process::exit(cmos::cli::main());
}
