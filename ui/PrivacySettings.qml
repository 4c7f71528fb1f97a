// Privacy settings: encrypting the history on disk, locking it, and deleting all of it for good.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

ColumnLayout {
    property alias passphraseDialog: passphraseDialog  // for tests: a popup is not among the children
    spacing: 8
    Label {
        text: qsTr("Your chats are kept only on this computer, in Hearth's own database. Deleting a chat erases its words from the file itself, not just from the list.")
        wrapMode: Text.Wrap
        Layout.fillWidth: true
        Layout.maximumWidth: 420
    }
    Label {
        objectName: "encryptionStatus"
        text: HistoryEncryption.encrypted
              ? qsTr("Encrypted on disk: every page of the database is sealed with XChaCha20-Poly1305 under a key made from your passphrase (Argon2id). Hearth asks for the passphrase when it starts.")
              : qsTr("Not encrypted: anyone who can read your files (another program, a stolen laptop) can read your chats.")
        wrapMode: Text.Wrap
        Layout.fillWidth: true
        Layout.maximumWidth: 420
    }
    Flow {
        spacing: 6
        Layout.fillWidth: true
        Layout.maximumWidth: 420
        Button {
            objectName: "encryptHistoryButton"
            visible: !HistoryEncryption.encrypted
            text: qsTr("Encrypt history…")
            enabled: !ChatController.generating
            onClicked: passphraseDialog.openFor("encrypt")
        }
        Button {
            objectName: "lockNowButton"
            visible: HistoryEncryption.encrypted
            text: qsTr("Lock now")
            enabled: !ChatController.generating
            Accessible.description: qsTr("Closes the history; the passphrase is needed to open it again")
            onClicked: HistoryEncryption.lockNow()
        }
        Button {
            visible: HistoryEncryption.encrypted
            text: qsTr("Change passphrase…")
            enabled: !ChatController.generating
            onClicked: passphraseDialog.openFor("change")
        }
        Button {
            visible: HistoryEncryption.encrypted
            text: qsTr("Turn off encryption…")
            enabled: !ChatController.generating
            onClicked: passphraseDialog.openFor("decrypt")
        }
    }
    CheckBox {
        objectName: "keychainCheck"
        visible: HistoryEncryption.encrypted
        text: qsTr("Keep the key in the system keychain (open without the passphrase)")
        checked: HistoryEncryption.keyInKeychain
        onToggled: {
            keychainProblem.text = HistoryEncryption.setKeyInKeychain(checked)
            checked = Qt.binding(() => HistoryEncryption.keyInKeychain)
        }
    }
    Label {
        id: keychainProblem
        objectName: "keychainProblem"
        visible: text !== "" && HistoryEncryption.encrypted
        color: "#c0392b"
        wrapMode: Text.Wrap
        Layout.fillWidth: true
        Layout.maximumWidth: 420
    }
    RowLayout {
        visible: HistoryEncryption.encrypted
        Label { text: qsTr("Lock after no input for") }
        FitComboBox {
            id: lockAfter
            objectName: "lockAfterBox"
            readonly property var minutes: [0, 5, 15, 60]
            model: [qsTr("never"), qsTr("5 minutes"), qsTr("15 minutes"), qsTr("1 hour")]
            currentIndex: Math.max(0, minutes.indexOf(HistoryEncryption.lockAfterMinutes))
            onActivated: index => HistoryEncryption.lockAfterMinutes = minutes[index]
            Accessible.name: qsTr("Lock after no input for")
            implicitContentWidthPolicy: ComboBox.WidestText
        }
    }
    Button {
        objectName: "deleteAllHistoryButton"
        text: qsTr("Delete all history…")
        enabled: !ChatController.generating
        onClicked: confirmDeleteAll.open()
        Accessible.name: qsTr("Delete all history")
        Accessible.description: qsTr("Deletes every conversation; this cannot be undone")
    }
    Label {
        id: deleteAllResult
        visible: text !== ""
        opacity: 0.7
    }

    Dialog {
        id: confirmDeleteAll
        objectName: "confirmDeleteAllDialog"
        title: qsTr("Delete all history?")
        modal: true
        anchors.centerIn: Overlay.overlay
        standardButtons: Dialog.Cancel | Dialog.Yes
        background: Rectangle { color: palette.window; border.color: palette.mid; radius: 4 }
        Label {
            text: qsTr("Every conversation is deleted and erased from the database file. This cannot be undone.")
            wrapMode: Text.Wrap
            width: 320
        }
        onAccepted: deleteAllResult.text = ChatController.deleteAllHistory() ? qsTr("All history deleted.") : ""
    }

    Dialog {
        id: passphraseDialog
        objectName: "passphraseDialog"
        property string mode: "encrypt"  // encrypt | change | decrypt
        function openFor(m) {
            mode = m
            currentField.text = ""
            newField.text = ""
            repeatField.text = ""
            problemLabel.text = ""
            open()
        }
        title: mode === "encrypt" ? qsTr("Encrypt your history") : mode === "change" ? qsTr("Change the passphrase") : qsTr("Turn off encryption")
        modal: true
        anchors.centerIn: Overlay.overlay
        background: Rectangle { color: palette.window; border.color: palette.mid; radius: 4 }
        onAboutToShow: (mode === "encrypt" ? newField : currentField).forceActiveFocus()
        // OK does the work; the dialog stays open with the problem when there is one.
        function apply() {
            let problem = ""
            if (mode === "encrypt") problem = HistoryEncryption.encrypt(newField.text, repeatField.text)
            else if (mode === "change") problem = HistoryEncryption.changePassphrase(currentField.text, newField.text, repeatField.text)
            else problem = HistoryEncryption.decrypt(currentField.text)
            problemLabel.text = problem
            if (problem === "") close()
        }
        footer: DialogButtonBox {
            Button {
                objectName: "passphraseOkButton"
                text: qsTr("OK")
                DialogButtonBox.buttonRole: DialogButtonBox.ApplyRole
                onClicked: passphraseDialog.apply()
            }
            Button {
                text: qsTr("Cancel")
                DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
            }
        }
        ColumnLayout {
            spacing: 6
            width: Math.max(320, implicitWidth)
            Label {
                text: passphraseDialog.mode === "decrypt"
                      ? qsTr("Your chats will be stored unencrypted again. Enter the passphrase to confirm.")
                      : qsTr("If you forget the passphrase, your history cannot be recovered: nobody holds a copy of it. The window closes briefly while Hearth rewrites the database.")
                wrapMode: Text.Wrap
                Layout.maximumWidth: 360
                Layout.fillWidth: true
            }
            TextField {
                id: currentField
                objectName: "currentPassphraseField"
                visible: passphraseDialog.mode !== "encrypt"
                echoMode: TextInput.Password
                onAccepted: passphraseDialog.apply()
                placeholderText: qsTr("Current passphrase")
                Accessible.name: qsTr("Current passphrase")
                Layout.fillWidth: true
            }
            TextField {
                id: newField
                objectName: "newPassphraseField"
                visible: passphraseDialog.mode !== "decrypt"
                echoMode: TextInput.Password
                onAccepted: passphraseDialog.apply()
                placeholderText: qsTr("New passphrase (8 characters or more)")
                Accessible.name: qsTr("New passphrase")
                Layout.fillWidth: true
            }
            TextField {
                id: repeatField
                objectName: "repeatPassphraseField"
                visible: passphraseDialog.mode !== "decrypt"
                echoMode: TextInput.Password
                onAccepted: passphraseDialog.apply()
                placeholderText: qsTr("Repeat it")
                Accessible.name: qsTr("Repeat the new passphrase")
                Layout.fillWidth: true
            }
            Label {
                id: problemLabel
                objectName: "passphraseProblem"
                visible: text !== ""
                color: "#c0392b"
                wrapMode: Text.Wrap
                Layout.maximumWidth: 360
            }
        }
    }
}
