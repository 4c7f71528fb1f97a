// First run: the model that suits this computer, one click from a chat; or a file of one's own.
// No dead ends: offline mode, nothing that fits, and a failed download each say what to do.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

Item {
    id: root
    signal addModel()
    signal browseModels()
    signal encryptHistory()
    readonly property bool recommending: DownloadController.recommendedId !== ""
    ColumnLayout {
        anchors.centerIn: parent
        width: Math.min(parent.width - 64, 560)
        spacing: 16
        Label {
            text: qsTr("Welcome to Hearth")
            font.pointSize: Qt.application.font.pointSize * 2
            font.bold: true
            Layout.alignment: Qt.AlignHCenter
        }
        Label {
            text: qsTr("Hearth runs language models entirely on this computer: nothing you type leaves it.")
            wrapMode: Text.Wrap
            horizontalAlignment: Text.AlignHCenter
            Layout.fillWidth: true
        }
        Frame {
            objectName: "recommendation"
            visible: root.recommending
            Layout.fillWidth: true
            ColumnLayout {
                anchors.fill: parent
                spacing: 6
                Label { text: qsTr("Recommended for this computer"); opacity: 0.7 }
                Label {
                    text: DownloadController.recommendedName
                    font.pointSize: Qt.application.font.pointSize * 1.5
                    font.bold: true
                }
                Label {
                    text: DownloadController.recommendedDetails
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
                ThinProgressBar {
                    objectName: "recommendedProgress"
                    visible: DownloadController.recommendedDownloading
                    value: DownloadController.recommendedProgress
                    Layout.fillWidth: true
                    Accessible.name: qsTr("Download progress")
                }
                RowLayout {
                    Button {
                        objectName: "downloadAndChatButton"
                        text: DownloadController.recommendedDownloading ? qsTr("Downloading…") : qsTr("Download and chat")
                        enabled: !DownloadController.recommendedDownloading && !DownloadController.offline
                        highlighted: true
                        onClicked: DownloadController.downloadCatalogEntry(DownloadController.recommendedId, true)
                        Accessible.name: qsTr("Download %1 and start chatting").arg(DownloadController.recommendedName)
                    }
                    Button {
                        text: qsTr("Other models…")
                        onClicked: root.browseModels()
                        Accessible.name: qsTr("Browse the catalog and Hugging Face")
                    }
                }
                Label {
                    visible: DownloadController.offline
                    text: qsTr("Offline mode is on (Settings): Hearth does not download anything.")
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                    color: "#9a5b00"
                }
            }
        }
        Label {
            visible: !root.recommending
            text: qsTr("No catalog model fits the chosen device; pick a smaller one in Models…, or a model file of your own.")
            wrapMode: Text.Wrap
            horizontalAlignment: Text.AlignHCenter
            Layout.fillWidth: true
        }
        Label {
            visible: DownloadController.message !== ""
            text: DownloadController.message
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
            Layout.fillWidth: true
            horizontalAlignment: Text.AlignHCenter
        }
        RowLayout {
            Layout.alignment: Qt.AlignHCenter
            Button {
                objectName: "addModelButton"
                text: qsTr("Add a model file…")
                onClicked: root.addModel()
                Accessible.name: text
            }
            Button {
                objectName: "openFolderButton"
                text: qsTr("Open models folder")
                onClicked: Qt.openUrlExternally(ModelController.models.folderUrl)
                Accessible.name: text
            }
        }
        Label {
            text: qsTr("Models LM Studio, Ollama, GPT4All, Jan or the Hugging Face cache already downloaded are listed in Models… and used where they are.")
            wrapMode: Text.Wrap
            horizontalAlignment: Text.AlignHCenter
            Layout.fillWidth: true
            opacity: 0.6
        }
        // The first run's offer of encryption (also in Settings → Privacy, any time).
        Label {
            visible: !HistoryEncryption.encrypted
            text: qsTr("Your chats are kept only on this computer. You can also encrypt them with a passphrase, so that nobody who gets your files can read them.")
            wrapMode: Text.Wrap
            horizontalAlignment: Text.AlignHCenter
            Layout.fillWidth: true
            Layout.topMargin: 8
        }
        Button {
            objectName: "encryptHistoryOffer"
            visible: !HistoryEncryption.encrypted
            Layout.alignment: Qt.AlignHCenter
            text: qsTr("Encrypt my history…")
            onClicked: root.encryptHistory()
            Accessible.name: text
        }
    }
}
