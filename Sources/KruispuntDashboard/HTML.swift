import KruispuntRDF

/// HTML escaping for text and attribute values.
public enum HTML {
    public static func escape(_ s: String) -> String { XMLText.escape(s) }

    /// The start of every Kruispunt page, up to and including `<body>`: Dutch, the shared style
    /// sheet, and a Turtle alternate for machines.
    public static func head(title: String, turtle: String, turtleTitle: String? = nil) -> String {
        """
        <!DOCTYPE html>
        <html lang="nl">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>\(escape(title))</title>
          <link rel="stylesheet" href="/public/kruispunt.css">
          <link rel="alternate" type="text/turtle" href="\(escape(turtle))"\(turtleTitle.map { " title=\"\(escape($0))\"" } ?? "")>
        </head>
        <body>

        """
    }
}
