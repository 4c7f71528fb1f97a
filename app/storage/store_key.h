// The key of an encrypted ("sealed") chat database, and the plain header every sealed file
// starts with. The key comes from a passphrase through Argon2id (libsodium's crypto_pwhash);
// the header keeps the salt and the cost parameters, and a check value that tells a wrong
// passphrase apart from a damaged file without decrypting anything.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace hearth::storage {

constexpr size_t kSealedKeyBytes = 32;
constexpr size_t kSealedSaltBytes = 16;
constexpr size_t kSealedHeaderBytes = 64;
// Plaintext bytes per encrypted block: SQLite's page size, so a page is one block.
constexpr size_t kSealedBlockBytes = 4096;

struct KdfParams {
    std::array<uint8_t, kSealedSaltBytes> salt {};
    uint32_t opsLimit = 0;
    uint32_t memLimitKiB = 0;
};

// 32 key bytes in locked memory (never swapped out, wiped when freed).
class StoreKey {
public:
    // Argon2id of the passphrase with these parameters (fresh ones: newKdfParams()).
    static std::shared_ptr<const StoreKey> derive(const std::string& passphrase, const KdfParams& params);
    // A key kept elsewhere (the system keychain): kSealedKeyBytes raw bytes.
    static std::shared_ptr<const StoreKey> fromBytes(const uint8_t* bytes, const KdfParams& params);
    ~StoreKey();
    StoreKey(const StoreKey&) = delete;
    StoreKey& operator=(const StoreKey&) = delete;

    const uint8_t* bytes() const { return m_key; }
    const KdfParams& params() const { return m_params; }
    // The header a sealed file made with this key starts with.
    std::array<uint8_t, kSealedHeaderBytes> header() const;
    // True when `header` was written with this key (its check value matches).
    bool matches(const std::array<uint8_t, kSealedHeaderBytes>& header) const;

private:
    StoreKey() = default;
    uint8_t* m_key = nullptr;
    KdfParams m_params;
};

// A random salt and this build's cost parameters (Argon2id, 3 passes over 128 MiB).
KdfParams newKdfParams();

// The parameters in a sealed header; nullopt when the bytes are not one (a plain SQLite file).
std::optional<KdfParams> parseSealedHeader(const std::array<uint8_t, kSealedHeaderBytes>& header);

// Reads a file's first bytes: nullopt for a missing, empty or plain file.
std::optional<std::array<uint8_t, kSealedHeaderBytes>> readSealedHeader(const std::string& path);

// libsodium's one-time initialisation; throws when it fails.
void initSodium();

}  // namespace hearth::storage
