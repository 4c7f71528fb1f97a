// The open conversation: its messages, the reply streaming in, and the composer.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

ColumnLayout {
    spacing: 0

    // An incognito chat says so for as long as it is open.
    Label {
        objectName: "incognitoBanner"
        visible: ChatController.incognito
        Layout.fillWidth: true
        padding: 6
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.Wrap
        color: palette.brightText
        background: Rectangle { color: palette.dark }
        text: qsTr("Incognito: this chat is not saved. It is gone when you start or open another chat, or quit.")
        Accessible.role: Accessible.StaticText
        Accessible.name: text
    }

    ListView {
        id: messages
        Layout.fillWidth: true
        Layout.fillHeight: true
        clip: true
        spacing: 12
        topMargin: 16
        bottomMargin: 16
        model: ChatController.messages
        delegate: MessageDelegate { width: ListView.view.width }
        Connections {
            target: ChatController
            function onRevealMessage(row) { messages.positionViewAtIndex(row, ListView.Center) }
        }
        onCountChanged: positionViewAtEnd()
        Connections {
            target: ChatController.messages
            function onDataChanged() { if (messages.atYEnd || ChatController.generating) messages.positionViewAtEnd() }
        }
        Label {
            anchors.centerIn: parent
            visible: messages.count === 0
            text: ModelController.modelLoaded ? qsTr("Ask anything. Nothing you type leaves this computer.") : ""
            opacity: 0.6
        }
    }

    // An older chat written with another model: offer to load that one (switching is fine too:
    // the chat goes on, and each reply says which model wrote it).
    RowLayout {
        objectName: "chatModelOffer"
        Layout.fillWidth: true
        Layout.leftMargin: 12
        Layout.rightMargin: 12
        visible: ChatController.chatModelPath !== "" && !ChatController.generating && !ModelController.loadingModel
        Label {
            text: qsTr("This chat was written with %1.").arg(ChatController.chatModelPath.split("/").pop())
            textFormat: Text.PlainText
            elide: Text.ElideMiddle
            opacity: 0.8
            Layout.fillWidth: true
        }
        Button {
            objectName: "loadChatModelButton"
            text: qsTr("Load it")
            onClicked: ModelController.loadModel(ChatController.chatModelPath)
            Accessible.name: qsTr("Load the model this chat was written with")
        }
    }

    Label {
        Layout.fillWidth: true
        Layout.margins: 8
        visible: ChatController.notice !== ""
        text: ChatController.notice
        wrapMode: Text.Wrap
        opacity: 0.8
    }

    RowLayout {
        Layout.fillWidth: true
        Layout.leftMargin: 12
        Layout.rightMargin: 12
        Button {
            objectName: "stopButton"
            text: qsTr("Stop")
            visible: ChatController.generating
            onClicked: ChatController.stop()
            Accessible.name: qsTr("Stop generating")
        }
        Button {
            text: qsTr("Regenerate")
            visible: !ChatController.generating && ModelController.modelLoaded && messages.count > 0
            onClicked: ChatController.regenerate()
            Accessible.name: qsTr("Regenerate the last reply")
        }
        Item { Layout.fillWidth: true }
        Label {
            id: runsOn
            text: ModelController.templateDescription
            opacity: 0.5
            elide: Text.ElideRight
            Layout.maximumWidth: 420
            // The whole line (chat format, device, a GPU/CPU split) when it does not fit.
            ToolTip.visible: runsOnHover.hovered && runsOn.truncated
            ToolTip.text: runsOn.text
            HoverHandler { id: runsOnHover }
        }
    }

    Composer {
        Layout.fillWidth: true
        Layout.margins: 12
        // Up in an empty composer edits the last message the user sent.
        onEditLastRequested: {
            const row = ChatController.lastUserRow()
            if (row < 0) return
            messages.positionViewAtIndex(row, ListView.Contain)
            const item = messages.itemAtIndex(row)
            if (item) item.startEdit()
        }
    }
}
