//! Links lkl.o into this package's binaries (see build-support/lkl_link.rs).

#[path = "../build-support/lkl_link.rs"]
mod lkl_link;

fn main() {
    lkl_link::link_lkl_obj();
}
