// A QML singleton whose one instance C++ owns (made by main() or a test, destroyed by it):
// QML_SINGLETON's create() hands that instance out and leaves its ownership with C++.
#pragma once

#include <QJSEngine>

class QQmlEngine;

namespace hearth::app {

template <class T>
class CppOwnedSingleton {
public:
    static T* create(QQmlEngine*, QJSEngine*)
    {
        QJSEngine::setObjectOwnership(instance(), QJSEngine::CppOwnership);
        return instance();
    }
    static void setInstance(T* object) { instance() = object; }

private:
    static T*& instance()
    {
        static T* object = nullptr;
        return object;
    }
};

}  // namespace hearth::app
