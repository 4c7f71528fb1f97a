// The model manager: the models on this computer, the catalog, Hugging Face, and downloads.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

Dialog {
    id: dialog
    title: qsTr("Models")
    modal: true
    anchors.centerIn: parent
    width: Math.min(parent ? parent.width - 40 : 860, 860)
    height: Math.min(parent ? parent.height - 40 : 620, 620)
    standardButtons: Dialog.Close
    // Opaque in every theme (the style's dialog background let the chat show through in dark).
    background: Rectangle { color: palette.window; border.color: palette.mid; radius: 4 }

    signal addModel()
    property string pendingDelete: ""
    property alias currentTab: tabs.currentIndex
    function openAt(tab) { tabs.currentIndex = tab; open() }

    ColumnLayout {
        anchors.fill: parent
        spacing: 8
        TabBar {
            id: tabs
            Layout.fillWidth: true
            TabButton { text: qsTr("On this computer") }
            TabButton { text: qsTr("Catalog") }
            TabButton { text: qsTr("Hugging Face") }
            TabButton {
                text: DownloadController.activeDownloads > 0
                      ? qsTr("Downloads (%1%)").arg(Math.round(DownloadController.overallProgress * 100)) : qsTr("Downloads")
            }
        }
        Rectangle {
            Layout.fillWidth: true
            visible: DownloadController.message !== ""
            color: palette.alternateBase
            implicitHeight: messageRow.implicitHeight + 8
            RowLayout {
                id: messageRow
                anchors.fill: parent
                anchors.margins: 4
                Label { text: DownloadController.message; textFormat: Text.PlainText; wrapMode: Text.Wrap; Layout.fillWidth: true }
                ToolButton { text: qsTr("Dismiss"); onClicked: DownloadController.clearMessage() }
            }
        }
        StackLayout {
            currentIndex: tabs.currentIndex
            Layout.fillWidth: true
            Layout.fillHeight: true
            LocalModelsPage {
                onAddModel: dialog.addModel()
                onLoaded: dialog.close()
                onDeleteRequested: (path) => { dialog.pendingDelete = path; confirmDelete.open() }
            }
            CatalogPage { }
            HubSearchPage { }
            DownloadsPage { }
        }
    }

    Dialog {
        id: confirmDelete
        title: qsTr("Delete this model file?")
        modal: true
        anchors.centerIn: parent
        standardButtons: Dialog.Yes | Dialog.No
        Label { text: qsTr("%1 will be moved to the trash.").arg(dialog.pendingDelete); wrapMode: Text.Wrap; width: 400 }
        onAccepted: ModelController.models.deleteFile(dialog.pendingDelete)
    }
}
