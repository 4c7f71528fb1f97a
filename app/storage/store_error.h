// Errors from the chat store, typed so the UI can say what happened and what to do.
#pragma once

#include <stdexcept>
#include <string>

namespace hearth::storage {

enum class StoreErrorCode {
    ReadOnly,  // the folder or file cannot be written
    DiskFull,  // no space left (or the database hit its size limit)
    Busy,  // another process holds a lock for longer than the busy timeout
    Corrupt,  // the file is damaged (on open it is moved aside instead)
    NotFound,  // no conversation / message with that id
    InvalidInput,  // e.g. an import file that is not Hearth's JSON format
    Io,  // any other failure of the OS or SQLite
    Locked,  // the history is encrypted and has not been unlocked in this process
    WrongPassphrase,  // the passphrase does not open the encrypted history
};

const char* storeErrorCodeName(StoreErrorCode code);

class StoreError : public std::runtime_error {
public:
    StoreError(StoreErrorCode code, const std::string& message) : std::runtime_error(message), m_code(code) { }
    StoreErrorCode code() const { return m_code; }

private:
    StoreErrorCode m_code;
};

}  // namespace hearth::storage
