//! Source-level debugging data from DWARF (gimli, object): work in progress, see issue 4.
