//! The fidelity table (`make ARCH=lkl fidelity`; a short form in `make
//! bench`): each [`case::Case`] run in dce-sim ([`sim`]) and on the host's
//! kernel in network namespaces joined by a user-space wire that runs
//! dce-sim's own link model ([`host`]), side by side with their ratio.

pub mod case;
pub mod host;
pub mod sim;
