#include "guardedapplication.h"

#include <QLoggingCategory>

#include <exception>

#ifndef _WIN32
#include <QSocketNotifier>
#include <csignal>
#include <unistd.h>
#endif

Q_LOGGING_CATEGORY(lcApp, "hearth.app")

namespace hearth::app {

bool GuardedApplication::notify(QObject* receiver, QEvent* event)
{
    try {
        return QGuiApplication::notify(receiver, event);
    } catch (const std::exception& e) {
        qCCritical(lcApp) << "an operation failed unexpectedly:" << e.what();
        if (m_sink) m_sink(tr("Something went wrong: %1").arg(QString::fromUtf8(e.what())));
    } catch (...) {
        qCCritical(lcApp) << "an operation failed with an unknown exception";
        if (m_sink) m_sink(tr("Something went wrong (an unknown error)."));
    }
    return false;
}

#ifndef _WIN32
namespace {

int g_signalPipe[2] = {-1, -1};

void onTerminate(int)
{
    [[maybe_unused]] auto n = ::write(g_signalPipe[1], "x", 1);  // async-signal-safe
    ::alarm(1);  // the deadline, should the event loop not get to the pipe
}

void onDeadline(int) { ::_exit(128 + SIGTERM); }

}  // namespace

void quitOnTerminationSignals(QGuiApplication& app)
{
    if (::pipe(g_signalPipe) != 0) return;
    auto* notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [] { QCoreApplication::quit(); });
    std::signal(SIGALRM, onDeadline);
    std::signal(SIGTERM, onTerminate);
    std::signal(SIGINT, onTerminate);
    std::signal(SIGHUP, onTerminate);
}
#else
void quitOnTerminationSignals(QGuiApplication&) { }
#endif

}  // namespace hearth::app
