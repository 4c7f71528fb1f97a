// Chats full of remote resources (Markdown images, reference-style images, HTML <img>, <link>,
// CSS url(), autolinks) and hidden-text tricks, opened, streamed and shown like a user would:
// nothing may be fetched (the runner script counts requests at a loopback server and watches
// for sockets with strace), raw HTML must show as text, and a 5 MB message must open at once.
import QtQuick
import QtQuick.Controls
import QtTest
import Hearth
import Hearth.Core

Item {
    id: root
    width: 1000
    height: 700

    Row {
        anchors.fill: parent
        Sidebar { id: sidebar; width: 250; height: parent.height }
        ChatView { id: chat; width: parent.width - 250; height: parent.height }
    }
    DataFolderProblem { id: problem; visible: false; problem: "cannot create the folder: Permission denied"; folder: "/nowhere/Hearth" }

    TestCase {
        name: "Privacy"
        when: windowShown

        function itemsNamed(item, name, out) {
            if (out.indexOf(item) >= 0) return out
            if (item.objectName === name) out.push(item)
            for (let i = 0; i < item.children.length; ++i) itemsNamed(item.children[i], name, out)
            if (item.contentItem && item.contentItem !== item) itemsNamed(item.contentItem, name, out)
            return out
        }
        function conversationIds() {
            const ids = []
            const model = ChatController.conversations
            for (let row = 0; row < model.rowCount(); ++row) ids.push(model.data(model.index(row, 0), Qt.UserRole + 1))
            return ids
        }
        function openAndRender(id) {
            ChatController.openConversation(id)
            waitForRendering(chat)
            wait(200)
        }
        function bodies() { return itemsNamed(chat, "messageBody", []) }

        function test_1_hostileChatsFetchNothingAndShowTheirMarkupAsText() {
            const ids = conversationIds()
            verify(ids.length >= 3, "the seeded conversations are there")
            let sawHostile = false
            for (const id of ids) {
                openAndRender(id)
                // Open every reasoning section too.
                for (const b of itemsNamed(chat, "", []).filter(x => x.text !== undefined && String(x.text).indexOf("Thinking") >= 0 && x.checkable))
                    b.checked = true
                waitForRendering(chat)
                for (const body of bodies()) {
                    const shown = body.getText(0, body.length)
                    verify(body.text.indexOf("<img") < 0, "no image tag reaches the view")
                    verify(body.text.toLowerCase().indexOf("url(") < 0 || shown.indexOf("url(") >= 0, "CSS only as text")
                    if (shown.indexOf("HOSTILE-MARKER") >= 0) {
                        sawHostile = true
                        verify(shown.indexOf("<img src=") >= 0, "raw HTML shows as text: " + shown)
                        verify(shown.indexOf("</s></s>") >= 0, "</s></s> shows as text and hides nothing")
                        verify(shown.indexOf("after-the-tags") >= 0, "the text after the tags is shown")
                        verify(shown.indexOf("[image: http") >= 0, "a Markdown image becomes a visible note")
                    }
                }
            }
            verify(sawHostile, "the hostile message was shown")
            compare(hearthTestSetup.refusedRequests(), 0, "the renderer itself produced nothing to fetch")
        }

        function test_2_anInterruptedHostileReplyStreamsOnWithoutFetching() {
            if (hearthTestModel === "") skip("../shared/models/stories260K.gguf is absent")
            ModelController.loadModel(hearthTestModel)
            tryVerify(() => ModelController.modelLoaded, 60000, "the model loads")
            AppSettings.maxTokens = 24
            let interrupted = -1
            for (const id of conversationIds()) {
                openAndRender(id)
                const last = ChatController.messages.rowCount() - 1
                if (last >= 0 && ChatController.messages.data(ChatController.messages.index(last, 0), Qt.UserRole + 11)) interrupted = id
            }
            verify(interrupted > 0, "the reply left streaming by a killed app shows as interrupted")
            openAndRender(interrupted)
            const buttons = itemsNamed(chat, "continueButton", []).filter(b => b.visible)
            compare(buttons.length, 1, "Continue is offered")
            mouseClick(buttons[0])
            tryVerify(() => !ChatController.generating, 60000, "the continued reply finishes")
            waitForRendering(chat)
            const last = ChatController.messages.rowCount() - 1
            verify(!ChatController.messages.data(ChatController.messages.index(last, 0), Qt.UserRole + 11), "no longer interrupted")
            const text = ChatController.messageText(last)
            verify(text.indexOf("HOSTILE-STREAM") === 0, "the reply went on from where it stopped")
            compare(hearthTestSetup.refusedRequests(), 0)
        }

        function test_3_aFiveMegabyteMessageOpensAtOnceCollapsed() {
            let big = -1
            for (const id of conversationIds()) {
                ChatController.openConversation(id)
                for (let row = 0; row < ChatController.messages.rowCount(); ++row)
                    if (ChatController.messages.data(ChatController.messages.index(row, 0), Qt.UserRole + 10) > 4000000) big = id
            }
            verify(big > 0, "the 5 MB conversation was seeded")
            ChatController.newConversation()
            waitForRendering(chat)
            const start = Date.now()
            openAndRender(big)
            const elapsed = Date.now() - start
            console.log("opening the 5 MB message took " + elapsed + " ms")
            verify(elapsed < 5000, "opening took " + elapsed + " ms (40 s and a black window before)")
            const longest = Math.max(...bodies().map(b => b.length))
            verify(longest <= 20010, "only the preview is laid out, not 5 MB: " + longest)
            const more = itemsNamed(chat, "showMoreButton", []).filter(b => b.visible)
            compare(more.length, 1)
            verify(more[0].text.indexOf("not shown") > 0)
            mouseClick(more[0])
            waitForRendering(chat)
            verify(more[0].text.indexOf("not shown") > 0, "still more after one part")
        }

        function test_4_anUnusableDataFolderIsExplainedInAWindow() {
            problem.visible = true
            waitForRendering(problem.contentItem)
            compare(itemsNamed(problem.contentItem, "problemFolder", [])[0].text, "/nowhere/Hearth")
            verify(itemsNamed(problem.contentItem, "problemText", [])[0].text.indexOf("Permission denied") >= 0)
            const choose = itemsNamed(problem.contentItem, "chooseFolderButton", [])[0]
            verify(choose.visible && choose.enabled)
            let quit = 0
            problem.quitRequested.connect(() => ++quit)
            problem.close()
            compare(quit, 1, "closing the window quits")
        }
    }
}
