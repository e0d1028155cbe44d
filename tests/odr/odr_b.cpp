#include <eap/eap.hpp>

std::int64_t odr_b() { return eap::zoo::alexnet().mac_count() + eap::presets::eyeriss_v1_hardware().array.rows; }
