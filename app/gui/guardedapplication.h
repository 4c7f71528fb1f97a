// The app object, with the last line of defence against exceptions: one thrown from a slot, a
// queued call or an event handler must never reach Qt's event loop (undefined behaviour, in
// practice std::terminate and a lost reply). It is logged and shown instead; the controller
// already handles the ones it knows (storage errors) itself.
#pragma once

#include <QGuiApplication>

#include <functional>

namespace hearth::app {

class GuardedApplication : public QGuiApplication {
public:
    GuardedApplication(int& argc, char** argv) : QGuiApplication(argc, argv) { }
    bool notify(QObject* receiver, QEvent* event) override;
    // Where a caught exception's message goes (the error banner); logged when unset.
    void setErrorSink(std::function<void(const QString&)> sink) { m_sink = std::move(sink); }

private:
    std::function<void(const QString&)> m_sink;
};

// SIGTERM, SIGINT and SIGHUP quit like closing the window (the reply is stopped and saved), and
// always within about a second: if the event loop is stuck, the process exits anyway (SQLite's
// journal keeps the database whole; a reply cut short shows as interrupted next time).
void quitOnTerminationSignals(QGuiApplication& app);

}  // namespace hearth::app
