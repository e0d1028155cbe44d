// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "eap/hardware/hardware.hpp"

// Accelerators described as types. A user writes, for example,
//
//     struct dram : eap::static_level<eap::unbounded, eap::cost<200>> { static constexpr const char* name = "DRAM"; };
//     struct glb  : eap::static_level<eap::shared_words<55296>, eap::cost<6>> { static constexpr const char* name = "GLB"; };
//     using my_chip = eap::accelerator<eap::levels<dram, glb>,
//                                      eap::static_pe_array<12, 14, eap::words_per_type<224, 12, 24>,
//                                                           eap::cost<1>, eap::cost<2>>>;
//     eap::hardware hw = eap::to_hardware<my_chip>();
//
// Every impossible description stops compilation with a static_assert whose message starts with
// the name of the template that is wrong and says what to change.

namespace eap {

// --- numbers as types ------------------------------------------------------------------------

/// A cost per access (or per MAC) as the exact fraction Num / Den, e.g. `cost<6>`, `cost<27, 10>`.
template <std::intmax_t Num, std::intmax_t Den = 1>
struct cost {
    static_assert(Den > 0, "eap::cost: the denominator must be positive; write cost<Num, Den> with Den > 0");
    static_assert(Num >= 0, "eap::cost: a cost must not be negative; give an access or MAC cost of zero or more");
    static constexpr double value = static_cast<double>(Num) / static_cast<double>(Den);
};

/// Capacity of the outermost memory (DRAM): no limit.
struct unbounded {};

/// One budget of `Words` reference-width words shared by weights, ifmaps and psums.
template <std::int64_t Words>
struct shared_words {
    static_assert(Words > 0, "eap::shared_words: a storage level of zero words cannot hold data; give at least one word");
};

/// A separate budget per data type, as Eyeriss' per-PE scratchpads (224 weights, 12 ifmaps, 24 psums).
template <std::int64_t Weights, std::int64_t Ifmaps, std::int64_t Psums>
struct words_per_type {
    static_assert(Weights > 0 && Ifmaps > 0 && Psums > 0,
                  "eap::words_per_type: every data type needs at least one word; give positive Weights, Ifmaps and Psums");
};

/// Word width in bits of each data type.
template <int Weights, int Ifmaps, int Psums>
struct word_bits {
    static_assert(Weights >= 1 && Weights <= 64 && Ifmaps >= 1 && Ifmaps <= 64 && Psums >= 1 && Psums <= 64,
                  "eap::word_bits: each word width must be between 1 and 64 bits");
};

/// Cost unit tags.
struct normalized_units {};  ///< costs in multiples of one reference-width MAC (the paper's units)
struct picojoules {};        ///< costs in pJ

// --- building blocks ---------------------------------------------------------------------------

/// A storage level shared by the PE array. Derive from it and add
/// `static constexpr const char* name = "...";` to name the level in reports.
template <class Capacity, class ReadCost, class WriteCost = ReadCost>
struct static_level {
    using capacity_type = Capacity;
    using read_cost_type = ReadCost;
    using write_cost_type = WriteCost;
};

/// The ordered storage levels of an accelerator, outermost (DRAM) first.
template <class... Levels>
struct levels {};

/// The PE array: `Rows` x `Cols` PEs, each with a scratchpad of capacity `Scratchpad`
/// (`shared_words<N>` or `words_per_type<W, I, P>`), the scratchpad's cost per read (and per
/// write, defaulting to the read cost) and the cost of moving one word over the array network.
template <std::int64_t Rows, std::int64_t Cols, class Scratchpad, class ScratchpadCost, class NetworkCost,
          class ScratchpadWriteCost = ScratchpadCost>
struct static_pe_array {
    static_assert(Rows >= 1 && Cols >= 1,
                  "eap::static_pe_array: the PE array needs at least one row and one column of PEs");
    static_assert(!std::is_same_v<Scratchpad, unbounded>,
                  "eap::static_pe_array: a PE scratchpad cannot be unbounded; give shared_words<N> or words_per_type<W, I, P>");
    using scratchpad_type = Scratchpad;
    using read_cost_type = ScratchpadCost;
    using write_cost_type = ScratchpadWriteCost;
    using network_cost_type = NetworkCost;
    static constexpr std::int64_t rows = Rows;
    static constexpr std::int64_t cols = Cols;
};

namespace detail {

template <class T>
struct is_cost : std::false_type {};
// sizeof(...) instantiates the argument, so that its own static_asserts fire with their messages.
template <std::intmax_t N, std::intmax_t D>
struct is_cost<cost<N, D>> : std::bool_constant<sizeof(cost<N, D>) != 0> {};

template <class T>
struct capacity_traits {
    static constexpr bool valid = false;
};
template <>
struct capacity_traits<unbounded> {
    static constexpr bool valid = true;
    static constexpr std::int64_t total = std::numeric_limits<std::int64_t>::max();
    static constexpr level_capacity value() { return level_capacity::unbounded(); }
};
template <std::int64_t N>
struct capacity_traits<shared_words<N>> {
    static constexpr bool valid = sizeof(shared_words<N>) != 0;
    static constexpr std::int64_t total = N;
    static constexpr level_capacity value() { return level_capacity::shared(N); }
};
template <std::int64_t W, std::int64_t I, std::int64_t P>
struct capacity_traits<words_per_type<W, I, P>> {
    static constexpr bool valid = sizeof(words_per_type<W, I, P>) != 0;
    static constexpr std::int64_t total = W + I + P;
    static constexpr level_capacity value() { return level_capacity::per_type(W, I, P); }
};

template <class T>
struct is_static_pe_array : std::false_type {};
template <std::int64_t R, std::int64_t C, class S, class RC, class NC, class WC>
struct is_static_pe_array<static_pe_array<R, C, S, RC, NC, WC>> : std::true_type {};

template <class T>
struct is_levels : std::false_type {};
template <class... L>
struct is_levels<levels<L...>> : std::true_type {};

template <class T>
struct is_word_bits : std::false_type {};
template <int W, int I, int P>
struct is_word_bits<word_bits<W, I, P>> : std::bool_constant<sizeof(word_bits<W, I, P>) != 0> {
    static constexpr per_data_type<int> bits() { return make_per_data_type(W, I, P); }
};

/// True when `L` derives from some `static_level<...>` (checked through its member types).
template <class L, class = void>
struct is_static_level : std::false_type {};
template <class L>
struct is_static_level<L, std::void_t<typename L::capacity_type, typename L::read_cost_type,
                                      typename L::write_cost_type>>
    : std::bool_constant<capacity_traits<typename L::capacity_type>::valid && is_cost<typename L::read_cost_type>::value &&
                         is_cost<typename L::write_cost_type>::value> {};

template <class L, class = void>
struct has_name : std::false_type {};
template <class L>
struct has_name<L, std::void_t<decltype(L::name)>> : std::true_type {};

template <class L>
std::string level_name(std::size_t index) {
    if constexpr (has_name<L>::value)
        return std::string(L::name);
    else
        return "L" + std::to_string(index);
}

template <class L>
storage_level make_storage_level(std::size_t index) {
    return storage_level{level_name<L>(index), capacity_traits<typename L::capacity_type>::value(),
                         L::read_cost_type::value, L::write_cost_type::value};
}

/// Capacities (total words) of the levels in order, then checks that none grows inwards and that
/// only the first is unbounded.
template <class... L>
struct level_order {
    static constexpr std::array<std::int64_t, sizeof...(L)> totals{{capacity_traits<typename L::capacity_type>::total...}};
    static constexpr std::array<bool, sizeof...(L)> unbounded_flags{{std::is_same_v<typename L::capacity_type, unbounded>...}};
    static constexpr bool non_increasing() {
        for (std::size_t i = 1; i < sizeof...(L); ++i)
            if (totals[i] > totals[i - 1]) return false;
        return true;
    }
    static constexpr bool only_outermost_unbounded() {
        for (std::size_t i = 1; i < sizeof...(L); ++i)
            if (unbounded_flags[i]) return false;
        return true;
    }
    static constexpr std::int64_t innermost() { return totals[sizeof...(L) - 1]; }
};

template <class Levels>
struct levels_check;
template <class... L>
struct levels_check<levels<L...>> {
    static_assert(sizeof...(L) >= 1,
                  "eap::accelerator: the hierarchy has no storage level; list at least the outermost memory (e.g. DRAM) in eap::levels<...>");
    static_assert((is_static_level<L>::value && ...),
                  "eap::levels: every level must derive from eap::static_level<Capacity, ReadCost, WriteCost> with a "
                  "capacity of eap::unbounded, eap::shared_words<N> or eap::words_per_type<W, I, P> and eap::cost<...> costs");
    using order = level_order<L...>;
    static_assert(order::only_outermost_unbounded(),
                  "eap::accelerator: only the outermost storage level (the first in eap::levels) may be eap::unbounded; give the inner levels a capacity");
    static_assert(order::non_increasing(),
                  "eap::accelerator: an inner storage level is larger than the level outside it; list levels outermost first and make each no larger than the one before");
    static constexpr bool ok = true;
};

}  // namespace detail

/// An accelerator as a type: its storage levels (outermost first), its PE array, the word width
/// per data type, the MAC cost and the unit of all costs.
template <class Levels, class PeArray, class WordBits = word_bits<16, 16, 16>, class MacCost = cost<1>,
          class Unit = normalized_units>
struct accelerator {
    static_assert(detail::is_levels<Levels>::value,
                  "eap::accelerator: the first argument must be eap::levels<...> listing the storage levels, outermost first");
    static_assert(detail::is_static_pe_array<PeArray>::value,
                  "eap::accelerator: the second argument must be an eap::static_pe_array<Rows, Cols, Scratchpad, ScratchpadCost, NetworkCost>; "
                  "the row-stationary dataflow needs a PE array");
    static_assert(detail::is_word_bits<WordBits>::value,
                  "eap::accelerator: the third argument must be eap::word_bits<Weights, Ifmaps, Psums>");
    static_assert(detail::is_cost<MacCost>::value, "eap::accelerator: the MAC cost must be an eap::cost<Num, Den>");
    static_assert(std::is_same_v<Unit, normalized_units> || std::is_same_v<Unit, picojoules>,
                  "eap::accelerator: the unit must be eap::normalized_units or eap::picojoules");
    static_assert(detail::levels_check<Levels>::ok);
    static_assert(detail::capacity_traits<typename PeArray::scratchpad_type>::valid,
                  "eap::static_pe_array: the scratchpad must be eap::shared_words<N> or eap::words_per_type<W, I, P>");
    static_assert(detail::is_cost<typename PeArray::read_cost_type>::value &&
                      detail::is_cost<typename PeArray::write_cost_type>::value &&
                      detail::is_cost<typename PeArray::network_cost_type>::value,
                  "eap::static_pe_array: the scratchpad and network costs must be eap::cost<Num, Den>");

    using levels_type = Levels;
    using pe_array_type = PeArray;
    static constexpr std::int64_t rows = PeArray::rows;
    static constexpr std::int64_t cols = PeArray::cols;
};

namespace detail {

template <class Accel>
struct accelerator_traits;

template <class... L, class PeArray, class WordBits, class MacCost, class Unit>
struct accelerator_traits<accelerator<levels<L...>, PeArray, WordBits, MacCost, Unit>> {
    static_assert(capacity_traits<typename PeArray::scratchpad_type>::total <= level_order<L...>::innermost(),
                  "eap::accelerator: the per-PE scratchpad is larger than the innermost storage level; shrink the scratchpad or grow the level");

    static hardware make() { return make(std::index_sequence_for<L...>{}); }

    template <std::size_t... I>
    static hardware make(std::index_sequence<I...>) {
        hardware hw;
        hw.unit = std::is_same_v<Unit, picojoules> ? cost_unit::picojoule : cost_unit::normalized;
        hw.levels = {make_storage_level<L>(I)...};
        hw.array.rows = PeArray::rows;
        hw.array.cols = PeArray::cols;
        hw.array.scratchpad = capacity_traits<typename PeArray::scratchpad_type>::value();
        hw.array.scratchpad_read_cost = PeArray::read_cost_type::value;
        hw.array.scratchpad_write_cost = PeArray::write_cost_type::value;
        hw.array.network_cost = PeArray::network_cost_type::value;
        hw.word_bits = is_word_bits<WordBits>::bits();
        hw.mac_cost = MacCost::value;
        return hw;
    }
};

template <class T, class = void>
struct has_accelerator_name : std::false_type {};
template <class T>
struct has_accelerator_name<T, std::void_t<decltype(T::name)>> : std::true_type {};

template <class... L, class P, class W, class M, class U>
accelerator<levels<L...>, P, W, M, U> as_accelerator(const accelerator<levels<L...>, P, W, M, U>*);

}  // namespace detail

/// The runtime `hardware` of an accelerator type `A` (an `eap::accelerator<...>` or a type
/// derived from one; a derived type may add `static constexpr const char* name`).
template <class A>
hardware to_hardware() {
    using base = decltype(detail::as_accelerator(static_cast<const A*>(nullptr)));
    hardware hw = detail::accelerator_traits<base>::make();
    if constexpr (detail::has_accelerator_name<A>::value) hw.name = A::name;
    hw.validate();
    return hw;
}

}  // namespace eap
