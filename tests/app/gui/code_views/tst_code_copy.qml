// A reply with two code blocks, shown by the real chat view: each block has its "Copy code"
// link, and following the second one's puts exactly that block's text on the clipboard (read
// back by pasting it), markup characters and all.
import QtQuick
import QtQuick.Controls
import QtTest
import Hearth
import Hearth.Core

Item {
    id: root
    width: 1000
    height: 700

    ChatView { id: chat; anchors.fill: parent }
    TextEdit { id: pasteTarget; visible: false; textFormat: TextEdit.PlainText }

    TestCase {
        name: "CodeCopy"
        when: windowShown

        function itemsNamed(item, name, out) {
            if (out.indexOf(item) >= 0) return out
            if (item.objectName === name) out.push(item)
            for (let i = 0; i < item.children.length; ++i) itemsNamed(item.children[i], name, out)
            if (item.contentItem && item.contentItem !== item) itemsNamed(item.contentItem, name, out)
            return out
        }

        function test_copyCodeCopiesExactlyThatBlock() {
            const model = ChatController.conversations
            compare(model.rowCount(), 1, "the seeded conversation")
            ChatController.openConversation(model.data(model.index(0, 0), Qt.UserRole + 1))
            tryCompare(ChatController.messages, "count", 2)
            waitForRendering(chat)
            const rendered = itemsNamed(chat, "messageBody", []).filter(b => b.visible && b.textFormat === TextEdit.RichText)
            verify(rendered.length >= 1, "the reply is shown rendered")
            const reply = rendered[rendered.length - 1]
            verify(reply.text.indexOf("hearth-copy:0") >= 0 && reply.text.indexOf("hearth-copy:1") >= 0, "each block has a copy link")
            const shown = reply.getText(0, reply.length)
            verify(shown.indexOf("Copy code") >= 0, "the link says what it does")
            verify(shown.indexOf("<not markup>") >= 0, "code shows its markup characters as text")
            // What a click on the second block's link does.
            reply.linkActivated("hearth-copy:1")
            pasteTarget.text = ""
            pasteTarget.paste()
            compare(pasteTarget.text, "for i in 1 2 3; do echo \"$i & more\"; done")
            reply.linkActivated("hearth-copy:0")
            pasteTarget.text = ""
            pasteTarget.paste()
            compare(pasteTarget.text, "for i in range(3):\n    print(\"line\", i)  # <not markup>")
            compare(ChatController.errorMessage, "")
        }
    }
}
