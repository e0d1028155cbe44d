// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <vector>

namespace eap::detail {

/// A float buffer that only grows. Layers keep their im2col and GEMM scratch in these so that
/// batch after batch reuses the same memory: on a fresh allocation every first page touch is
/// expensive, and a batch loop would otherwise pay it every time.
class scratch_buffer {
public:
    /// At least `count` floats; the contents are unspecified.
    float* get(std::size_t count) {
        if (data_.size() < count) {
            data_.clear();
            data_.shrink_to_fit();
            data_.resize(count);
        }
        return data_.data();
    }
    std::size_t capacity() const noexcept { return data_.size(); }

private:
    std::vector<float> data_;
};

}  // namespace eap::detail
