// The first-run path a new user takes: the welcome screen recommends a catalog model for this
// computer; one click on "Download and chat" downloads it (from the stand-in Hub on 127.0.0.1,
// which serves a real GGUF under the catalog's names), verifies it, loads it, and the chat works.
import QtQuick
import QtQuick.Controls
import QtTest
import Hearth
import Hearth.Core

Item {
    id: root
    width: 1000
    height: 700

    Column {
        anchors.fill: parent
        WelcomeView { id: welcome; width: parent.width; height: 450; visible: !ModelController.modelLoaded }
        Composer { id: composer; width: parent.width; height: 60 }
    }

    TestCase {
        name: "WelcomeDownload"
        when: windowShown

        function find(parentItem, name) {
            const found = findChild(parentItem, name)
            verify(found !== null, "no item named " + name)
            return found
        }

        function test_oneClickFromWelcomeToChat() {
            verify(!ModelController.modelLoaded)
            tryVerify(() => DownloadController.recommendedId !== "", 30000, "a model is recommended for this computer")
            verify(find(welcome, "recommendation").visible)
            const button = find(welcome, "downloadAndChatButton")
            verify(button.enabled)
            mouseClick(button)
            tryVerify(() => DownloadController.recommendedDownloading || ModelController.loadingModel || ModelController.modelLoaded,
                      10000, "the click starts the download")
            tryVerify(() => ModelController.modelLoaded, 120000, "downloaded, verified and loaded")
            verify(ModelController.modelPath.indexOf("/models/") > 0, "it lives in the models folder: " + ModelController.modelPath)
            compare(DownloadController.activeDownloads, 0)
            verify(!welcome.visible, "the welcome screen gives way to the chat")

            // And the chat works with it.
            const input = find(composer, "composerInput")
            tryVerify(() => input.enabled)
            mouseClick(input)
            for (const c of "once upon a time") keyClick(c)
            keyClick(Qt.Key_Return)
            tryVerify(() => ChatController.messages.rowCount() === 2, 30000, "the question and a reply")
            tryVerify(() => !ChatController.generating, 60000)
        }
    }
}
