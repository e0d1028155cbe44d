// SPDX-License-Identifier: MIT
#pragma once

#include "eap/hardware/accelerator.hpp"

// Ready-made accelerators. Costs are normalised to one 16-bit MAC, as measured for Eyeriss in a
// 65 nm process: DRAM 200, global buffer 6, array network 2, register file 1 per access.

namespace eap::presets {

/// Off-chip DRAM: unbounded, 200 per 16-bit access.
struct dram : static_level<unbounded, cost<200>> {
    static constexpr const char* name = "DRAM";
};

/// Eyeriss v1's 108 KB global buffer (55,296 16-bit words), 6 per access.
struct eyeriss_v1_global_buffer : static_level<shared_words<55296>, cost<6>> {
    static constexpr const char* name = "GLB";
};

/// Eyeriss v1 (JSSC 2017): 12 x 14 PEs; per-PE scratchpads of 224 filter, 12 ifmap and 24 psum
/// words; 16-bit fixed point.
struct eyeriss_v1 : accelerator<levels<dram, eyeriss_v1_global_buffer>,
                                static_pe_array<12, 14, words_per_type<224, 12, 24>, cost<1>, cost<2>>> {
    static constexpr const char* name = "Eyeriss v1";
};

/// The 128 KB (65,536-word) global buffer of the ISCA 2016 dataflow study.
struct isca16_global_buffer : static_level<shared_words<65536>, cost<6>> {
    static constexpr const char* name = "GLB";
};

/// The configuration of the ISCA 2016 row-stationary study (its Fig. 10): 16 x 16 PEs, a
/// 128 KB global buffer and a 512 B (256-word) register file per PE shared by all data types.
struct isca16_study : accelerator<levels<dram, isca16_global_buffer>,
                                  static_pe_array<16, 16, shared_words<256>, cost<1>, cost<2>>> {
    static constexpr const char* name = "ISCA'16 study";
};

/// Runtime descriptions of the presets.
inline hardware eyeriss_v1_hardware() { return to_hardware<eyeriss_v1>(); }
inline hardware isca16_study_hardware() { return to_hardware<isca16_study>(); }

}  // namespace eap::presets
