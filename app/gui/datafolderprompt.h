// The window shown when the data folder cannot be used: it says what is wrong and where, and
// lets the user pick another folder (remembered) until one opens, or quit.
#pragma once

#include "storage/store.h"

#include <QEventLoop>
#include <QObject>

#include <functional>
#include <memory>

namespace hearth::app {

class DataFolderPrompt : public QObject {
    Q_OBJECT

public:
    using Opener = std::function<std::unique_ptr<storage::Store>(const std::string& folder, QString& problem)>;
    // Runs the window (its own event loop) until a folder opens (returned) or the user quits (null).
    static std::unique_ptr<storage::Store> run(const std::string& dataDir, const QString& problem, Opener open);

private slots:
    void onFolderChosen(const QString& folder);
    void onQuitRequested() { m_loop.quit(); }

private:
    explicit DataFolderPrompt(Opener open) : m_open(std::move(open)) { }
    Opener m_open;
    QObject* m_window = nullptr;
    QEventLoop m_loop;
    std::unique_ptr<storage::Store> m_store;
};

}  // namespace hearth::app
