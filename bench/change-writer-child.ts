// The change-writer function behind the Lambda Invoke API in a process of its own, as in AWS (the
// listener on EC2, the writer in Lambda containers). Beside it, the original design's writer: one
// PutItem of `{ id, obj_name, body }` per invoke. Prints its endpoint, then serves until killed.
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { writeChanges, type WriteRequest } from "../domain/change-feed/writer.js";
import { localDynamo } from "../local/aws/aws-clients.js";
import { startLambdaEndpoint } from "../local/aws/lambda-endpoint.js";

interface OriginalEvent {
  id: string;
  obj_name: string;
  body: string;
}

const dynamo = localDynamo(process.argv[2]);
const endpoint = await startLambdaEndpoint({
  "change-writer": (event) => writeChanges(dynamo, event as WriteRequest),
  "original-writer": async (event) => {
    const { id, body } = event as OriginalEvent;
    await dynamo.send(new PutItemCommand({ TableName: "people", Item: { id: { S: id }, body: { S: body } } }));
  },
});
console.log(endpoint.endpoint);
