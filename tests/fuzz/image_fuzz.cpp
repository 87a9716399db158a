// Fuzzes the image decoders (PNG through libpng, JPEG through TurboJPEG, chosen by signature) to
// gray and to RGB, and the conversion of what they return to a network input.
// Input: a flags byte (bit 0: centre crop), the target's height and width bytes (1 + value % 48),
// then the image file (see fuzz_support.hpp).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_support.hpp"
#include "nin/core/error.hpp"
#include "nin/data/image_codec.hpp"
#include "nin/data/image_resize.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = nin::fuzz;
  fz::InputSplitter input({data, size});
  const std::uint8_t flags = input.byte();
  const std::int64_t height = 1 + input.byte() % 48, width = 1 + input.byte() % 48;
  const auto file = input.rest();
  for (const std::int64_t channels : {1, 3}) {
    try {
      // A lower pixel limit than nin's: a 64 KiB PNG can hold 8192×8192 zeros, whose decoding
      // under the sanitizers would take the fuzzer's whole time budget.
      const nin::DecodedImage image =
          nin::decode_image(file, channels, "fuzz-input", std::int64_t{1} << 20);
      fz::require(image.width >= 1 && image.height >= 1 && image.channels == channels,
                  "decode_image returned an empty image or the wrong channels");
      fz::require(
          image.pixels.size() == static_cast<std::size_t>(image.width * image.height * channels),
          "decode_image returned the wrong number of pixels");
      const nin::Shape target{channels, height, width};
      std::vector<std::uint8_t> out(static_cast<std::size_t>(target.elements()));
      nin::image_to_input(image, target, (flags & 1) != 0, out);
    } catch (const nin::Error&) {
    }
  }
  return 0;
}
